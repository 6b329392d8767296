"""Which BLAS library torch calls in this process (the file its sgemm_ resolves to, else the
BLAS files mapped), and how its threads can be set. Standard library only, so tests run it
without torch (tests/peer-blas.test.ts).

Why it matters: Debian's python3-torch is built with BLAS_INFO=generic and calls whatever
libblas.so.3 the alternatives system points to. Installed alone it brings netlib's
reference BLAS (libblas3), several times slower than OpenBLAS (libopenblas0-pthread) for
the MLP's matmuls; a comparison against it says nothing about PyTorch. The caller runs a
matmul first, so the library is loaded when it looks.
"""
import ctypes
import os
import re

INSTALL = 'apt-get install libopenblas0-pthread (Debian/Ubuntu), or pip install torch, which brings MKL or OpenBLAS'

# A BLAS file, by the name it is mapped under (the loader resolves libblas.so.3 through the
# alternatives symlinks, so the mapped path is the real file).
_BLAS_FILE = re.compile(r'(^|/)(lib(open)?blas[^/]*\.so[^/]*|libmkl_[^/]*\.so[^/]*|libblis[^/]*\.so[^/]*|libflexiblas[^/]*\.so[^/]*|libsatlas[^/]*\.so[^/]*|libtatlas[^/]*\.so[^/]*)$')

# Optimized implementations, by a part of their path; netlib's reference BLAS has none of
# these (Debian: /usr/lib/<triplet>/blas/libblas.so.3; Fedora, Arch: /usr/lib*/libblas.so.3).
_VENDORS = [('openblas', 'OpenBLAS'), ('mkl', 'MKL'), ('blis', 'BLIS'), ('atlas', 'ATLAS'), ('flexiblas', 'FlexiBLAS')]


def mapped_files(maps_text):
    """The files a process has mapped, in first-mapped order, from /proc/<pid>/maps text."""
    seen = []
    for line in maps_text.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].startswith('/') and parts[5] not in seen:
            seen.append(parts[5])
    return seen


def classify(path):
    """(library name, is it the reference BLAS) of one mapped BLAS file."""
    lowered = path.lower()
    for key, name in _VENDORS:
        if key in lowered:
            return name, False
    return 'reference BLAS (netlib)', True


def blas_files(files):
    return [f for f in files if _BLAS_FILE.search(f)]


def describe(files, threadpool=None, built_in=None, device='cpu', called=None):
    """What the process calls for matmuls.

    files: its mapped files (mapped_files); threadpool: threadpoolctl.threadpool_info() or
    None; built_in: torch's BLAS_INFO when it is not 'generic' (a BLAS linked into torch,
    e.g. 'mkl' from pip wheels); device: 'cuda' runs its matmuls in cuBLAS; called: the real
    path of the file whose sgemm_ torch's own library resolves to (sgemm_provider), which
    decides where several BLAS files are mapped.

    Returns a dict: library, reference (True only for netlib's reference BLAS), path,
    version, threadingLayer, defaultThreads (its threads when the process started; None where
    unknown), how (how it was found)."""
    if device == 'cuda':
        return {'library': 'cuBLAS', 'reference': False, 'path': None, 'version': None, 'threadingLayer': None, 'defaultThreads': None, 'how': 'the device is CUDA'}
    pool = [p for p in (threadpool or []) if p.get('user_api') == 'blas']
    if called is not None and not _BLAS_FILE.search(called):  # a BLAS linked into torch
        found, how = [], f'sgemm_ is inside {os.path.basename(called)}'
    elif called is not None:
        found, how = [called], "the library torch's sgemm_ resolves to"
    else:
        # An optimized library wins over a libblas.so.3 shim that forwards to it.
        found, how = sorted(blas_files(files), key=lambda f: classify(f)[1]), 'the mapped library files'
    if found:
        path = found[0]
        library, reference = classify(path)
        entry = next((p for p in pool if classify(p.get('filepath', ''))[0] == library), None)
        return {'library': library, 'reference': reference, 'path': path,
                'version': entry.get('version') if entry else None,
                'threadingLayer': entry.get('threading_layer') if entry else None,
                'defaultThreads': entry.get('num_threads') if entry else (1 if reference else None),
                'how': how + (' (threads: threadpoolctl)' if entry else '')}
    none = {'reference': False, 'path': None, 'version': None, 'threadingLayer': None, 'defaultThreads': None}
    if built_in and built_in != 'generic':
        return {'library': f'{built_in} (linked into torch)', **none, 'how': f"{how}; torch's BLAS_INFO"}
    return {'library': 'unknown (no BLAS library found)', **none, 'how': how}


class _DlInfo(ctypes.Structure):
    _fields_ = [('dli_fname', ctypes.c_char_p), ('dli_fbase', ctypes.c_void_p), ('dli_sname', ctypes.c_char_p), ('dli_saddr', ctypes.c_void_p)]


def sgemm_provider(files):
    """The real path of the file that defines sgemm_ as torch's CPU library looks it up
    (dlsym on its handle searches it, then its dependencies in load order), or None. Which
    libblas.so.3 is mapped does not settle it: with LD_LIBRARY_PATH or LD_PRELOAD two BLAS
    files can be mapped, and the first in the lookup order is the one called."""
    owner = next((f for f in files if os.path.basename(f).startswith('libtorch_cpu')), None)
    if owner is None:
        return None
    try:
        address = ctypes.cast(ctypes.CDLL(owner).sgemm_, ctypes.c_void_p).value
        info = _DlInfo()
        if not ctypes.CDLL(None).dladdr(ctypes.c_void_p(address), ctypes.byref(info)):
            return None
        return os.path.realpath(info.dli_fname.decode())
    except (OSError, AttributeError):
        return None


def _maps():
    try:
        with open('/proc/self/maps') as f:
            return f.read()
    except OSError:
        return ''


def _openblas_handle(paths):
    """The first of these libraries that exports OpenBLAS's thread setters (Debian's
    openblas-pthread/libblas.so.3 does not; the libopenblasp-*.so it forwards to does)."""
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
            lib.openblas_get_num_threads.restype = ctypes.c_int
            return lib
        except (OSError, AttributeError):
            continue
    return None


def of_this_process(built_in=None, device='cpu'):
    """describe() for the running process (call it after a matmul has run)."""
    files = mapped_files(_maps())
    try:
        from threadpoolctl import threadpool_info
        pool = threadpool_info()
    except ImportError:
        pool = None
    return describe(files, pool, built_in, device, sgemm_provider(files) if device != 'cuda' else None)


class BlasThreads:
    """Sets the BLAS's own thread count in this process: through threadpoolctl where it is
    installed (python3-threadpoolctl), else OpenBLAS's openblas_set_num_threads through
    ctypes (what threadpoolctl calls for OpenBLAS). None of them for the reference BLAS
    (single-threaded), a BLAS linked into torch (it follows torch's threads) or cuBLAS."""

    def __init__(self, blas):
        self.blas = blas
        self._openblas = None
        self.how = None
        if blas['reference'] or blas['path'] is None:
            why = 'single-threaded' if blas['reference'] else 'no separate thread count'
            self.why_not = f"{blas['library']}: {why}"
            return
        try:
            import threadpoolctl  # noqa: F401
            self.how = 'threadpoolctl'
        except ImportError:
            if blas['library'] == 'OpenBLAS':
                self._openblas = _openblas_handle([blas['path']] + [f for f in mapped_files(_maps()) if os.path.basename(f).startswith('libopenblas')])
                self.how = 'openblas_set_num_threads' if self._openblas else None
        self.why_not = None if self.how else f"{blas['library']}: cannot set its threads here (install python3-threadpoolctl or pip install threadpoolctl)"

    def get(self):
        if self.how == 'openblas_set_num_threads':
            return self._openblas.openblas_get_num_threads()
        if self.how == 'threadpoolctl':
            from threadpoolctl import threadpool_info
            counts = [p['num_threads'] for p in threadpool_info() if p.get('user_api') == 'blas']
            return counts[0] if counts else None
        return self.blas['defaultThreads']

    def set(self, n):
        if self.how == 'threadpoolctl':
            # Set, never restored: threadpoolctl 3.1 restores every library it saw, OpenMP
            # included, which would put torch's own threads back to their start value.
            from threadpoolctl import threadpool_limits
            threadpool_limits(limits=n, user_api='blas')
        elif self.how == 'openblas_set_num_threads':
            self._openblas.openblas_set_num_threads(n)
        else:
            raise ValueError(f'cannot set BLAS threads: {self.why_not}')
