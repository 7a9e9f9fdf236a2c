"""Ctrl-C in Python: a long kenyon call (activation maximisation, training, an atlas, a
moth sweep) runs in C++ with the GIL released, where Python's own SIGINT handler could only
act once it returned. A real SIGINT sent to a real interpreter midway must end the call
within an iteration (or one moth run) with KeyboardInterrupt, put Python's handler back
(a second SIGINT interrupts plain Python code), and leave kenyon usable (a later call runs
to its end)."""
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import needs
from test_moth import MNIST, needs_mnist  # noqa: F401  (the same data check)

PRELUDE = """
import os, signal, sys, threading, time
import numpy as np, pandas as pd, scipy.sparse as sp
import kenyon, kenyon.moth
from kenyon import activation_maximisation as am

def network():
    rng = np.random.default_rng(1)
    w = sp.random(400, 400, density=0.05, random_state=2, dtype=np.float32, format="csr")
    w.data = rng.uniform(-0.5, 1.0, w.nnz).astype(np.float32)
    return am.MultilayeredNetwork(w, np.arange(20), num_layers=4,
                                  idx_to_group={i: f"G{i % 5}" for i in range(400)})

def interrupt_soon():
    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()

def interrupted(call):
    interrupt_soon()
    started = time.monotonic()
    try:
        call()
    except KeyboardInterrupt:
        print(f"interrupted after {time.monotonic() - started:.1f} s", flush=True)
    else:
        sys.exit("the call ran to its end")
"""

# What each case calls: far too long to finish within the test's time.
CALLS = {
    "activation_maximisation": """
model = network()
targets = am.TargetActivation({3: {300: 1.0}})
def call():
    am.activation_maximisation(model, targets, num_iterations=10**8, early_stopping=False,
                               print_output=False)
def short():
    out = am.activation_maximisation(model, targets, num_iterations=7, early_stopping=False,
                                     print_output=False)
    return len(out[2])
""",
    "train_model": """
model = network()
x = np.random.default_rng(0).uniform(0, 1, (4, 20, 4)).astype(np.float32)
targets = pd.DataFrame({"batch": range(4), "neuron_idx": [300] * 4, "layer": [3] * 4,
                        "value": [0.5] * 4})
def call():
    am.train_model(model, x, targets, num_epochs=10**8)
def short():
    return len(am.train_model(model, x, targets, num_epochs=7)[1]["loss"])
""",
    "net_maximise": """
model = kenyon.net.Model(kenyon.connectome.load("larva"), layers=4)
def call():
    model.maximise(["MBON:3"], iterations=10**8, early_stopping=False)
def short():
    return model.maximise(["MBON:3"], iterations=7, early_stopping=False).summary()["iterations"]
""",
    "atlas": """
model = kenyon.net.Model(kenyon.connectome.load("larva"), layers=4)
def call():
    model.atlas(each="MBON", iterations=10**8, early_stopping=False)
def short():
    return len(model.atlas(each="MBON", iterations=7, early_stopping=False).table)
""",
    "moth_sweep": """
def call():
    kenyon.moth.sweep(train_per_class=[3], seeds=10**5, threads=1)
def short():
    return len(kenyon.moth.sweep(train_per_class=[1], seeds=2, threads=1)["rows"][0]["runs"])
""",
}

# What `short()` returns when it ran to its end.
COMPLETE = {"activation_maximisation": 7, "train_model": 7, "net_maximise": 7, "atlas": 24,
            "moth_sweep": 2}

EPILOGUE = """
interrupted(call)
# Python's handler is back: a second SIGINT interrupts plain Python code.
interrupt_soon()
try:
    time.sleep(60)
    sys.exit("the second SIGINT did not interrupt Python")
except KeyboardInterrupt:
    print("python interrupted", flush=True)
print(f"short run: {short()}", flush=True)
"""


def run_case(name):
    script = PRELUDE + textwrap.dedent(CALLS[name]) + EPILOGUE
    env = dict(os.environ)
    if name == "moth_sweep":
        env["KENYON_DATA_DIR"] = str(MNIST.parent)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.mark.parametrize("name", [n for n in CALLS if n != "moth_sweep"])
def test_sigint_ends_the_call_with_keyboard_interrupt(name):
    r = run_case(name)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("interrupted after"), r.stdout
    assert lines[1] == "python interrupted"
    assert lines[2] == f"short run: {COMPLETE[name]}"


@needs_mnist
def test_sigint_ends_a_moth_sweep_with_keyboard_interrupt():
    r = run_case("moth_sweep")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1:] == ["python interrupted", "short run: 2"], r.stdout


def test_a_sigint_ignored_by_the_program_stays_ignored():
    """Where the program ignores SIGINT, kenyon does not start catching it."""
    script = PRELUDE + textwrap.dedent(CALLS["activation_maximisation"]) + """
signal.signal(signal.SIGINT, signal.SIG_IGN)
sent = []
def send():
    os.kill(os.getpid(), signal.SIGINT)
    sent.append(True)
threading.Timer(0.5, send).start()
out = am.activation_maximisation(model, targets, num_iterations=20000, early_stopping=False,
                                 print_output=False)
print(f"sent during the call: {bool(sent)}; iterations: {len(out[2])}")
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "sent during the call: True; iterations: 20000"
