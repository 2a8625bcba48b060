"""Documents made in worker processes for a rebuild: :class:`DocumentSource`.

A full rebuild spends most of its CPU turning the source's records into search documents
(folding, pinyin, grams, phone forms) and, for the embedded index, documents into rows. A
:class:`DocumentSource` names that work as *tasks* (small and picklable: a range of ids, an
offset in a file) and a function *make* that turns one task into its documents. Every
backend's ``rebuild()`` takes one like any other iterable of documents (iterating it yields
the documents, made by the workers, in task order); :class:`search.local.LocalBackend` also
has the workers turn the documents into rows (:meth:`DocumentSource.map`).

The workers are forked (``multiprocessing`` fork context), so *make* may be any callable —
a closure over a database engine or a file name — and is never pickled. At most
``2 * workers + 2`` tasks are under way at once: the results wait for the caller, never the
whole source. A worker that dies (killed, out of memory) fails the rebuild with
``BrokenProcessPool`` rather than leaving it waiting.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from search.documents import SearchDocument

T = TypeVar("T")

# The work of the pools being forked, by token: a worker finds its pool's in its copy.
_WORK: dict[int, Callable[[Any], Any]] = {}


def _run(token: int, task: Any) -> Any:
    return _WORK[token](task)


def default_workers() -> int:
    """One worker per CPU this process may use but one, which the caller's own work needs
    (the embedded index's SQLite writer takes most of a core): 1, no fork, on two CPUs,
    where the workers would move work rather than share it (docs/benchmarks.md)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus - 1)


@dataclass
class DocumentSource:
    """The documents of a rebuild, made from *tasks* by *make* in *workers* processes.

    *workers*: 0 for :func:`default_workers`; 1 makes them in the calling process (no fork). *progress*
    is called in the calling process with the number of documents of each finished task.
    *started* (optional) runs in each worker once, right after the fork (e.g. to drop
    database connections inherited from the parent).
    """

    tasks: Iterable[Any]
    make: Callable[[Any], list[SearchDocument]]
    workers: int = 0
    progress: Callable[[int], Any] | None = None
    started: Callable[[], Any] | None = None

    def __iter__(self) -> Iterator[SearchDocument]:
        for documents in self.map(lambda documents: documents):
            yield from documents

    def map(self, then: Callable[[list[SearchDocument]], list[T]]) -> Iterator[list[T]]:
        """``then(make(task))`` of every task, in task order, computed by the workers."""
        progress = self.progress

        def work(task: Any) -> list[T]:
            return then(self.make(task))

        for result in self._results(work):
            if progress is not None:
                progress(len(result))
            yield result

    def _results(self, work: Callable[[Any], list[T]]) -> Iterator[list[T]]:
        workers = self.workers or default_workers()
        if workers <= 1:
            for task in self.tasks:
                yield work(task)
            return
        started = self.started
        token = id(work)
        _WORK[token] = work  # the forked workers hold their own copy
        try:
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                       initializer=started)
            try:
                pending: deque[Future] = deque()
                for task in self.tasks:
                    pending.append(pool.submit(_run, token, task))
                    if len(pending) > 2 * workers + 1:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        finally:
            _WORK.pop(token, None)
