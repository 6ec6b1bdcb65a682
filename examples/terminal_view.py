"""See what a function did, in the terminal: the source with each step's changes beside it.

    python examples/terminal_view.py

Traces a small bank-account class and a loop, then prints the view three ways: folded
(the default: a long loop shows its first and last rounds and a count), with a
``watch`` column computed from the recorded values, and through ``print(trace)``.
Colour is on when the output is a terminal and off when it is piped or NO_COLOR is set.
The same view from the shell: ``pytrace-sem trace FILE --call "..." --format text``.
"""

from __future__ import annotations

import pytrace_sem

SOURCE = '''\
class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return self.balance


def save(weeks):
    acct = Account("ann")
    for week in range(1, weeks + 1):
        acct.deposit(week * 10)
    return acct.balance
'''


def main() -> None:
    t = pytrace_sem.trace_call(SOURCE, "save(8)")
    t.show()                                        # folded, coloured on a terminal
    print()
    t.show(watch=["acct.balance // 10"], keep=1)    # one round kept at each end, one extra column
    print()
    small = pytrace_sem.trace_call(SOURCE, "save(2)")
    print(small)                                    # str(trace) is the plain view


if __name__ == "__main__":
    main()
