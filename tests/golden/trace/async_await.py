# call: f([1, 2, 3])
import asyncio


async def double(x):
    await asyncio.sleep(0)
    return x * 2


async def gather_all(xs):
    total = 0
    for x in xs:
        y = await double(x)
        total += y
    return total


def f(xs):
    result = asyncio.run(gather_all(xs))
    return result
