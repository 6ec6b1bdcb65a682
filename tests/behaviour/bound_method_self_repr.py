"""Bound methods kept in locals: their self's __repr__ must not run."""
from behaviour_log import LOG


class Worker:
    def __repr__(self):
        LOG.append("repr")
        return "Worker()"

    def run(self):
        return 1


def main():
    w = Worker()
    job = w.run
    jobs = [job, job]
    return job() + jobs[1](), LOG[:]
