"""`python -m bench` lists the benchmarks; each runs as `python -m bench.<name>`."""
import pkgutil

import bench

if __name__ == "__main__":
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if m.name != "common"]
    print("benchmarks (run one with: .venv/bin/python -m bench.<name>):")
    for name in sorted(names):
        module = __import__(f"bench.{name}", fromlist=["__doc__"])
        print(f"  {name:<14} {(module.__doc__ or '').strip().splitlines()[0]}")
