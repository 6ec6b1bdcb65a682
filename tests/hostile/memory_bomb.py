def f(target):
    hoard = []
    while True:
        hoard.append(bytes(64 * 1024 * 1024))  # calloc'd: claims address space fast
