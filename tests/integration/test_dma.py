"""test_dma.py - the whole self-test suite again with every DMA mapping
bounced (swiotlb=force), DMA debug and kmap debug on (issue 4): nothing may
depend on bus address == physical address, and nothing may leak.
"""
import re

from harness import check, ktap_results, test


@test("dma.selftest_swiotlb_force", timeout=120)
def selftest_swiotlb_force(ctx):
    # Leaks fail the test that left them (ktest_after_each); the dma suite
    # provokes bad unmaps and a leak on purpose and checks they are caught.
    out = ctx.run('test.exit=1 swiotlb=force dma.debug=1 kmap.debug=1 lock.debug=1 run="selftest"', 0,
                  boot="kernel")
    check(re.search(r"dma: bounce pool .*swiotlb=force, debug on", out),
          "the DMA layer did not come up forced and in debug mode")
    results, passed, failed = ktap_results(out)
    check(failed == 0 and passed and passed >= 40, "self tests: %s passed, %s failed"
          % (passed, failed))
    check(all(ok for ok, _, _ in results), "a 'not ok' line")
    ctx.note("%d self tests" % passed)
