"""The compiled part of sohoa; everything else about the package is in pyproject.toml.

search/_words.c cuts a page into the words the embedded index needs in one pass (search/pairs.py).
Building it needs a C compiler and Python's headers (the Makefile installs g++ and python3-dev).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("search._words", ["search/_words.c"])])
