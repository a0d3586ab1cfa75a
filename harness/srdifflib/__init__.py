"""srdifflib -- the modules behind harness/srdiff.

  status    the exit-status contract every runner speaks, typed (Status, Result)
  build     building the implementations, serialised by a lock, out of tree
  batch     the batch protocol: many traces per runner process
  impls     the implementations (c, ref, qemu, upstream): availability, runs
  compare   the one golden/stream comparison (TRACE_FORMAT's panic rule)
  report    console and JUnit output
  shrink    delta debugging of a diverging trace
  fuzz      AFL++ campaigns of the port against the model
  bench     benchmarks
  cli       the command line
"""
import os

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # harness/
ROOT = os.path.dirname(HERE)
