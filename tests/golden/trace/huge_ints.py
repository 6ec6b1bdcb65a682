# call: f(400)
def f(k):
    big = 2 ** k
    neg = -big
    product = big * big
    digits = len(str(big))
    return big, neg, digits, product % 1000
