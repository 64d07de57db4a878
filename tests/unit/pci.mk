# Host tests of the pure PCI helpers (drivers/pci/pci_lib.c): BAR decoding
# and sizing, capability-list walks on fake config spaces (including loops
# and bad pointers), MSI-X capability decoding and table-entry encoding.
UNIT_BINS += pci
pci_SRCS := drivers/pci/pci_lib.c tests/unit/test_pci.c
