# call: run()
class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self.balance += amount
        return self.balance


def run():
    acct = Account("ann", 10)
    acct.deposit(5)
    try:
        acct.deposit(-1)
    except ValueError as err:
        reason = str(err)
    return acct.balance, reason
