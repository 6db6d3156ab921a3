"""utils.rnn: the exported model class, and map_on_cores, which trains models side by side."""

import os

import pytest
import torch

from utils import rnn


def square_in_worker(x):
    "x squared, the worker's process id and its torch thread count."
    return x * x, os.getpid(), torch.get_num_threads()


def weights_of_seed(seed):
    "A small model's weights from `seed`, as a notebook's training function returns them."
    torch.manual_seed(seed)
    return rnn.RegularisedLSTM(5, 4, 1, 0.1, cell=torch.nn.GRU).state_dict()


def test_map_on_cores_keeps_the_order_of_the_jobs():
    got = rnn.map_on_cores(square_in_worker, range(5))
    assert [square for square, _, _ in got] == [0, 1, 4, 9, 16]


@pytest.mark.skipif(rnn.parallel_workers(2) < 2, reason="one core, a GPU, or no fork here")
def test_map_on_cores_runs_jobs_in_one_thread_processes_beside_this_one():
    got = rnn.map_on_cores(square_in_worker, range(4))
    pids = {pid for _, pid, _ in got}
    assert os.getpid() not in pids and 1 <= len(pids) <= rnn.parallel_workers(4)
    assert {threads for _, _, threads in got} == {1}


def test_map_on_cores_returns_the_same_weights_as_a_loop():
    seeds = [1, 2, 3]
    got = rnn.map_on_cores(weights_of_seed, seeds)
    for seed, weights in zip(seeds, got):
        want = weights_of_seed(seed)
        assert weights.keys() == want.keys()
        assert all(torch.equal(weights[k], want[k]) for k in want)


def test_one_job_runs_in_this_process():
    assert rnn.parallel_workers(1) == 1
    [(_, pid, _)] = rnn.map_on_cores(square_in_worker, [3])
    assert pid == os.getpid()
