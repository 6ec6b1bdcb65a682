# call: f(b'ab\x00\xff', 3)
def f(data, n):
    b = data + bytes([n])
    ba = bytearray(data)
    ba.append(65)
    z = complex(1, -n)
    w = z * 1j
    r = range(n, 20, 4)
    rr = r[1:]
    return b, ba, z, w, r, rr, list(rr), memoryview(b).tobytes()
