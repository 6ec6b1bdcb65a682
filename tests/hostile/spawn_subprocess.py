import subprocess


def f(target):
    subprocess.run(["rm", "-f", target], check=True)
