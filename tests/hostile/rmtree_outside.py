import os
import shutil


def f(target):
    shutil.rmtree(os.path.dirname(target))
