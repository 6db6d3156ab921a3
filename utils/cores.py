"""Independent trainings spread over the CPU cores: one forked, single-threaded process per core."""

from __future__ import annotations

import multiprocessing
import os

import torch


def parallel_workers(n_jobs: int) -> int:
    """How many processes `map_on_cores` uses for `n_jobs` jobs: one per CPU core, and 1 (a plain
    loop in this process) on a GPU or where processes cannot be forked (Windows)."""
    if torch.cuda.is_available() or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(n_jobs, os.cpu_count() or 1))


_PENDING: dict[int, tuple] = {}  # call id -> (fn, jobs), inherited by that call's forked workers


def _run_job(call_and_index: tuple[int, int]):
    call, i = call_and_index
    fn, jobs = _PENDING[call]
    return fn(jobs[i])


def map_on_cores(fn, jobs) -> list:
    """`[fn(job) for job in jobs]`, with the jobs spread over one forked process per CPU core.

    The lesson's small models (an MNIST CNN, a recurrent net with 64 hidden units) multiply
    matrices too small to split well between threads, so two of them trained side by side, one
    thread each, take about the time of one. Each worker uses one torch thread, so a job gives the
    same numbers as in a one-thread loop. The workers are forked, so `fn` may be a function
    defined in the notebook, a closure or a lambda, and the jobs may hold anything (learner makers,
    DataLoaders): neither is pickled. The results come back pickled (numbers, and tensors such as a
    `state_dict()`). A job must seed and then build whatever it draws random numbers from: fastai
    DataLoaders draw their shuffling generator when they are made, so a job that reused the
    notebook's DataLoaders would depend on which jobs its worker happened to run before it. Give
    the longest jobs first: they are handed out in order.

    On a GPU (even for jobs that stay on the CPU), where `fork` is missing, or for a single job or
    a single core, it is a plain loop in this process: the jobs then run with this process's
    thread count (so their last digits can differ from a forked run's), and the results are the
    live objects, not pickled copies.
    """
    jobs = list(jobs)
    workers = parallel_workers(len(jobs))
    if workers < 2:
        return [fn(job) for job in jobs]
    call = id(jobs)
    _PENDING[call] = (fn, jobs)  # set before the fork: each worker finds it in its copy
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=torch.set_num_threads,
                                                       initargs=(1,)) as pool:
            return pool.map(_run_job, [(call, i) for i in range(len(jobs))], chunksize=1)
    finally:
        del _PENDING[call]
