# -*- Python -*-
# The GoogleTest binaries under <build>/unittests, one lit test per case.

import os

import lit.formats

config.name = "TCC-Unit"
config.suffixes = []
config.test_source_root = os.path.join(config.tcc_obj_root, "unittests")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.environment["OPENBLAS_NUM_THREADS"] = "1"
