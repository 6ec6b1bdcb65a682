import threading
import time


def f(target):
    def spin():
        while True:
            time.sleep(0.01)

    threading.Thread(target=spin, daemon=True).start()
    return "started"
