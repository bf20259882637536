"""The research application: configs, experiments, studies, the landscape atlas, benchmarks, figures, the report
and the command line. It uses the simulator core and the landscape analysis; neither imports it.

Its modules are imported on demand (``from langevin_sphere.research import atlas``): importing the package loads
none of them, so ``import langevin_sphere`` stays light and loads no plotting library.
"""
