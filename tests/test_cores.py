"""utils.cores: independent jobs trained side by side, one single-threaded process per core."""

import os

import pytest
import torch

from utils import cores


def square_in_worker(x):
    "x squared, the worker's process id and its torch thread count."
    return x * x, os.getpid(), torch.get_num_threads()


def weights_of_seed(seed):
    "A small model's weights from `seed`, as a notebook's training function returns them."
    torch.manual_seed(seed)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(144, 3))
    return model.state_dict()


def test_map_on_cores_keeps_the_order_of_the_jobs():
    got = cores.map_on_cores(square_in_worker, range(5))
    assert [square for square, _, _ in got] == [0, 1, 4, 9, 16]


@pytest.mark.skipif(cores.parallel_workers(2) < 2, reason="one core, a GPU, or no fork here")
def test_map_on_cores_runs_jobs_in_one_thread_processes_beside_this_one():
    got = cores.map_on_cores(square_in_worker, range(4))
    pids = {pid for _, pid, _ in got}
    assert os.getpid() not in pids and 1 <= len(pids) <= cores.parallel_workers(4)
    assert {threads for _, _, threads in got} == {1}


def test_map_on_cores_returns_the_same_weights_as_a_loop():
    seeds = [1, 2, 3]
    got = cores.map_on_cores(weights_of_seed, seeds)
    for seed, weights in zip(seeds, got):
        want = weights_of_seed(seed)
        assert weights.keys() == want.keys()
        assert all(torch.equal(weights[k], want[k]) for k in want)


def test_one_job_runs_in_this_process():
    assert cores.parallel_workers(1) == 1
    [(_, pid, _)] = cores.map_on_cores(square_in_worker, [3])
    assert pid == os.getpid()


def test_map_on_cores_takes_closures_and_jobs_that_cannot_be_pickled():
    offset = 10
    jobs = [lambda: 1, lambda: 2, lambda: 3]  # a lambda cannot be pickled
    got = cores.map_on_cores(lambda make: make() + offset, jobs)
    assert got == [11, 12, 13]
    assert not cores._PENDING  # nothing left behind
