# benchmarks: programs under bench/, run by hand (not tests)
