/* DispatchLock: the reentrant lock that serialises calls into Moto.
 *
 * Moto's backends are process-global and mostly unlocked (DynamoDB tables,
 * SQS queues, S3 bucket maps are plain dicts and lists mutated in several
 * steps), and aiobotocore, boto3 threads and other event loops all reach them
 * through one BotocoreStubber.  The Dispatcher holds this lock only while Moto
 * runs, never across an await, so an event loop is blocked at most for the
 * length of one Moto call made from another thread.
 *
 * Reentrant, because a Moto handler may itself call boto3 against Moto.
 *
 * Thread safety: the owner and count are read and written only inside the
 * DispatchLock's critical section -- with the GIL that compiles to nothing
 * and the GIL itself orders them; on a free-threaded build it is the
 * object's own lock.  A section is held only for those few loads and stores,
 * never while waiting for the underlying PyThread lock: that wait releases
 * the GIL (or, free-threaded, detaches the thread), since the holder must
 * run to release it.  A thread that has just taken the PyThread lock records
 * itself in a second short section, so for a moment the lock is taken with
 * a count of 0 and locked() can say False, as it always could.  Whether the
 * holder is this thread is exact whatever other threads do, since only the
 * holder writes its own ident.  The PyThread lock itself is replaced only by
 * _after_fork() in a forked child, where no other thread runs; before a
 * fork CPython stops every other thread at a point where it holds no
 * critical section, so the child can always enter the section.
 *
 * Code that waits inside Moto (an SQS long poll) gives the lock up for the
 * wait with _release_save() and takes it back with _acquire_restore(), the
 * protocol threading.Condition uses with threading.RLock.
 *
 * Why C: the Dispatcher takes and releases it around every call into Moto;
 * from C that is two function calls with no Python frame or method lookup,
 * where a threading.RLock would cost two Python-level calls per request.
 * bench/ measures the per-call figures. */
#include "core.h"
#include "pythread.h"

/* DispatchLock() takes no arguments; -1 with TypeError set when some were
 * given. */
static int
no_arguments(const char *type_name, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) == 0 && (kwds == NULL || PyDict_GET_SIZE(kwds) == 0)) {
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s() takes no arguments", type_name);
    return -1;
}

/* A new thread lock, or NULL with MemoryError set. */
static PyThread_type_lock
new_thread_lock(void)
{
    PyThread_type_lock lock = PyThread_allocate_lock();
    if (lock == NULL) {
        PyErr_NoMemory();
    }
    return lock;
}

/* Take a thread lock, waiting for it without the GIL: its holder may need
 * the GIL to let it go.  The wait is interruptible: a signal wakes it so that
 * its Python handler runs, and if the handler raises (KeyboardInterrupt) this
 * returns -1 with that exception set, not holding the lock. */
static int
acquire_thread_lock(PyThread_type_lock lock)
{
    if (PyThread_acquire_lock(lock, NOWAIT_LOCK)) {
        return 0;
    }
    for (;;) {
        PyLockStatus status;
        Py_BEGIN_ALLOW_THREADS
        status = PyThread_acquire_lock_timed(lock, -1, 1);
        Py_END_ALLOW_THREADS
        if (status == PY_LOCK_ACQUIRED) {
            return 0;
        }
        if (status == PY_LOCK_INTR) {
            if (Py_MakePendingCalls() < 0) {
                return -1;
            }
            continue;
        }
        PyErr_SetString(PyExc_RuntimeError, "could not acquire an aiomoto lock");
        return -1;
    }
}

/* In a forked child only the forking thread survives.  A lock that is free,
 * or held by that thread (held_here), is kept; one held by any other thread
 * would never be released, so *lock is replaced by a fresh one and the old is
 * abandoned rather than freed (freeing a lock another thread held is
 * undefined on some platforms).  Only trying the lock tells whether it is
 * free: a thread takes it first and records itself only afterwards.  1 when replaced, 0 when kept, -1 with MemoryError. */
static int
thread_lock_for_child(PyThread_type_lock *lock, int held_here)
{
    if (held_here) {
        return 0;
    }
    if (PyThread_acquire_lock(*lock, NOWAIT_LOCK)) {
        PyThread_release_lock(*lock);
        return 0;
    }
    PyThread_type_lock fresh = new_thread_lock();
    if (fresh == NULL) {
        return -1;
    }
    *lock = fresh;
    return 1;
}

typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock; /* replaced only in a forked child */
    /* Both guarded by the critical section. */
    unsigned long owner; /* thread ident of the holder; meaningful if count */
    Py_ssize_t count;    /* 0 when free */
} DispatchLockObject;

/* The helpers down to release_one read or write owner and count, so they
 * run only inside the lock's critical section. */

static int
is_owned(DispatchLockObject *self)
{
    return self->count > 0 && self->owner == PyThread_get_thread_ident();
}

/* Record this thread as holding the PyThread lock, depth times. */
static void
record_holder(DispatchLockObject *self, Py_ssize_t depth)
{
    self->owner = PyThread_get_thread_ident();
    self->count = depth;
}

/* Let the PyThread lock go and forget the holder; the depth it had. */
static Py_ssize_t
give_up(DispatchLockObject *self)
{
    Py_ssize_t depth = self->count;
    self->count = 0;
    self->owner = 0;
    PyThread_release_lock(self->lock);
    return depth;
}

/* One level less of the holder's hold, letting the PyThread lock go at the
 * last. */
static void
release_one(DispatchLockObject *self)
{
    if (self->count > 1) {
        self->count--;
    }
    else {
        give_up(self);
    }
}

static int
is_owned_guarded(DispatchLockObject *self)
{
    int owned;
    Py_BEGIN_CRITICAL_SECTION(self);
    owned = is_owned(self);
    Py_END_CRITICAL_SECTION();
    return owned;
}

static void
record_holder_guarded(DispatchLockObject *self, Py_ssize_t depth)
{
    Py_BEGIN_CRITICAL_SECTION(self);
    record_holder(self, depth);
    Py_END_CRITICAL_SECTION();
}

/* One more level for a thread that holds the lock: 1 when it does (and the
 * level was added), 0 when it does not, -1 with OverflowError at the
 * limit. */
static int
deepen_if_owned(DispatchLockObject *self)
{
    int deepened = 0;
    Py_BEGIN_CRITICAL_SECTION(self);
    if (is_owned(self)) {
        deepened = self->count == PY_SSIZE_T_MAX ? -1 : 1;
        if (deepened > 0) {
            self->count++;
        }
    }
    Py_END_CRITICAL_SECTION();
    if (deepened < 0) {
        PyErr_SetString(PyExc_OverflowError, "aiomoto's Moto lock acquired too "
                                             "many times");
    }
    return deepened;
}

/* release_one() if this thread holds the lock: 1, or 0 (and nothing
 * changed) when it does not. */
static int
release_if_owned(DispatchLockObject *self)
{
    int owned;
    Py_BEGIN_CRITICAL_SECTION(self);
    owned = is_owned(self);
    if (owned) {
        release_one(self);
    }
    Py_END_CRITICAL_SECTION();
    return owned;
}

int
aiomoto_lock_acquire(PyObject *op)
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    int deepened = deepen_if_owned(self);
    if (deepened != 0) {
        return deepened > 0 ? 0 : -1;
    }
    if (acquire_thread_lock(self->lock) < 0) {
        return -1;
    }
    record_holder_guarded(self, 1);
    return 0;
}

/* The caller must own the lock, so no ownership check is needed. */
void
aiomoto_lock_release(PyObject *op)
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    Py_BEGIN_CRITICAL_SECTION(op);
    release_one(self);
    Py_END_CRITICAL_SECTION();
}

static PyObject *
lock_acquire(PyObject *op, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"blocking", NULL};
    int blocking = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:acquire", kwlist, &blocking)) {
        return NULL;
    }
    DispatchLockObject *self = (DispatchLockObject *)op;
    /* Only this thread can make itself the holder, so the answer holds
     * until it acts on it. */
    if (!blocking && !is_owned_guarded(self)) {
        if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
            Py_RETURN_FALSE;
        }
        record_holder_guarded(self, 1);
        Py_RETURN_TRUE;
    }
    if (aiomoto_lock_acquire(op) < 0) {
        return NULL;
    }
    Py_RETURN_TRUE;
}

static PyObject *
lock_release(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    if (!release_if_owned((DispatchLockObject *)op)) {
        PyErr_SetString(PyExc_RuntimeError, "cannot release un-acquired lock");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
lock_enter(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    if (aiomoto_lock_acquire(op) < 0) {
        return NULL;
    }
    Py_RETURN_TRUE;
}

static PyObject *
lock_exit(PyObject *op, PyObject *Py_UNUSED(exc_info))
{
    return lock_release(op, NULL);
}

static PyObject *
lock_is_owned(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(is_owned_guarded((DispatchLockObject *)op));
}

static PyObject *
lock_locked(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    int locked;
    Py_BEGIN_CRITICAL_SECTION(op);
    locked = self->count > 0;
    Py_END_CRITICAL_SECTION();
    return PyBool_FromLong(locked);
}

/* Give the lock up entirely, however deeply this thread holds it, and return
 * the depth to restore; 0 (and nothing released) when this thread does not
 * hold it, so code that may run with or without the lock can call it. */
static PyObject *
lock_release_save(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    Py_ssize_t depth = 0;
    Py_BEGIN_CRITICAL_SECTION(op);
    if (is_owned(self)) {
        depth = give_up(self);
    }
    Py_END_CRITICAL_SECTION();
    return PyLong_FromSsize_t(depth);
}

static PyObject *
lock_acquire_restore(PyObject *op, PyObject *arg)
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    Py_ssize_t count = PyLong_AsSsize_t(arg);
    if (count == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "_acquire_restore() count must be >= 0");
        return NULL;
    }
    if (count == 0) {
        Py_RETURN_NONE;
    }
    if (is_owned_guarded(self)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "_acquire_restore() called while holding the lock");
        return NULL;
    }
    if (acquire_thread_lock(self->lock) < 0) {
        return NULL;
    }
    record_holder_guarded(self, count);
    Py_RETURN_NONE;
}

/* In a forked child the lock is kept if it is free or the forking thread
 * holds it, and replaced (with its count) if another thread held it. */
static PyObject *
lock_after_fork(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    int replaced;
    Py_BEGIN_CRITICAL_SECTION(op);
    replaced = thread_lock_for_child(&self->lock, is_owned(self));
    if (replaced > 0) {
        self->owner = 0;
        self->count = 0;
    }
    Py_END_CRITICAL_SECTION();
    if (replaced < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* type is always the class itself: DispatchLock takes no subclasses.  Every
 * field but the lock starts zero (tp_alloc zero-fills). */
static PyObject *
lock_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (no_arguments("DispatchLock", args, kwds) < 0) {
        return NULL;
    }
    DispatchLockObject *self = (DispatchLockObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->lock = new_thread_lock();
    if (self->lock == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void
lock_dealloc(PyObject *op)
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    if (self->lock != NULL) {
        if (self->count > 0) {
            /* Held while dying (only possible if a holder leaked it): release
             * before freeing, as freeing a held lock is undefined. */
            PyThread_release_lock(self->lock);
        }
        PyThread_free_lock(self->lock);
    }
    aiomoto_free_instance(op);
}

static PyObject *
lock_repr(PyObject *op)
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    unsigned long owner;
    Py_ssize_t count;
    Py_BEGIN_CRITICAL_SECTION(op);
    owner = self->owner;
    count = self->count;
    Py_END_CRITICAL_SECTION();
    if (count == 0) {
        return PyUnicode_FromString("<DispatchLock unlocked>");
    }
    return PyUnicode_FromFormat("<DispatchLock locked by thread %lu, count=%zd>",
                                owner, count);
}

static PyMethodDef lock_methods[] = {
    {"acquire", (PyCFunction)(void (*)(void))lock_acquire, METH_VARARGS | METH_KEYWORDS,
     PyDoc_STR("acquire($self, /, blocking=True)\n--\n\n"
               "Acquire, reentrantly; False if not blocking and another thread holds "
               "it.")},
    {"release", lock_release, METH_NOARGS,
     PyDoc_STR("release($self, /)\n--\n\nRelease one level of this thread's hold.")},
    {"__enter__", lock_enter, METH_NOARGS, PyDoc_STR("Acquire.")},
    {"__exit__", lock_exit, METH_VARARGS, PyDoc_STR("Release.")},
    {"locked", lock_locked, METH_NOARGS,
     PyDoc_STR("locked($self, /)\n--\n\nWhether any thread holds the lock.")},
    {"_is_owned", lock_is_owned, METH_NOARGS,
     PyDoc_STR("_is_owned($self, /)\n--\n\nWhether this thread holds the lock.")},
    {"_release_save", lock_release_save, METH_NOARGS,
     PyDoc_STR("_release_save($self, /)\n--\n\nRelease this thread's hold entirely; "
               "return the depth to pass to _acquire_restore (0 if not held).")},
    {"_acquire_restore", lock_acquire_restore, METH_O,
     PyDoc_STR("_acquire_restore($self, count, /)\n--\n\nAcquire again to the depth "
               "_release_save returned; nothing for 0.")},
    {"_after_fork", lock_after_fork, METH_NOARGS,
     PyDoc_STR("_after_fork($self, /)\n--\n\nIn a forked child, drop a hold by a "
               "thread that no longer exists; for os.register_at_fork.")},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot lock_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR("DispatchLock()\n--\n\n"
                                  "The reentrant lock the Dispatcher holds while Moto "
                                  "handles a request.")},
    {Py_tp_new, AIOMOTO_SLOT(lock_tp_new)},
    {Py_tp_dealloc, AIOMOTO_SLOT(lock_dealloc)},
    {Py_tp_repr, AIOMOTO_SLOT(lock_repr)},
    {Py_tp_methods, lock_methods},
    {0, NULL},
};

/* Holds no object references, so it takes no part in garbage collection. */
PyType_Spec aiomoto_dispatch_lock_spec = {
    .name = "aiomoto._core.DispatchLock",
    .basicsize = sizeof(DispatchLockObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = lock_slots,
};
