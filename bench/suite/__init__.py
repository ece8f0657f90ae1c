"""Issue 10's benchmark suite: each scenario compares the platform with an anchor measured in the
same run (interleaved A B A B, medians) and says which target its ratio meets.

    bin/bench                        # every scenario, figures in bench/results/suite.json
    bin/bench --only 1,2             # some of them

See bench/README.md ("基准测试套件") for what each scenario measures and the databases it needs.
"""
