/* DispatchLock: the reentrant lock that serialises calls into Moto.
 *
 * Moto's backends are process-global and mostly unlocked (DynamoDB tables,
 * SQS queues, S3 bucket maps are plain dicts and lists mutated in several
 * steps), and aiobotocore, boto3 threads and other event loops all reach them
 * through one BotocoreStubber.  The Dispatcher holds this lock only while Moto
 * runs, never across an await, so an event loop is blocked at most for the
 * length of one Moto call made from another thread.
 *
 * Reentrant, because a Moto handler may itself call boto3 against Moto.  The
 * owner and count are read and written only with the GIL held, which orders
 * those accesses; the underlying PyThread lock is waited for with the GIL
 * released, since its holder needs the GIL to finish and release it.
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

typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock; /* first, as in AiomotoLockHolder */
    unsigned long owner; /* thread ident of the holder; meaningful if count */
    Py_ssize_t count;    /* 0 when free */
} DispatchLockObject;

static int
is_owned(DispatchLockObject *self)
{
    return self->count > 0 && self->owner == PyThread_get_thread_ident();
}

int
aiomoto_lock_acquire(PyObject *op)
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    if (is_owned(self)) {
        if (self->count == PY_SSIZE_T_MAX) {
            PyErr_SetString(PyExc_OverflowError, "aiomoto's Moto lock acquired too "
                                                 "many times");
            return -1;
        }
        self->count++;
        return 0;
    }
    if (aiomoto_acquire_thread_lock(self->lock) < 0) {
        return -1;
    }
    self->owner = PyThread_get_thread_ident();
    self->count = 1;
    return 0;
}

/* The caller must own the lock. */
void
aiomoto_lock_release(PyObject *op)
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    if (--self->count == 0) {
        self->owner = 0;
        PyThread_release_lock(self->lock);
    }
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
    if (!blocking && !is_owned(self)) {
        if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
            Py_RETURN_FALSE;
        }
        self->owner = PyThread_get_thread_ident();
        self->count = 1;
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
    DispatchLockObject *self = (DispatchLockObject *)op;
    if (!is_owned(self)) {
        PyErr_SetString(PyExc_RuntimeError, "cannot release un-acquired lock");
        return NULL;
    }
    aiomoto_lock_release(op);
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
    return PyBool_FromLong(is_owned((DispatchLockObject *)op));
}

static PyObject *
lock_locked(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(((DispatchLockObject *)op)->count > 0);
}

/* Give the lock up entirely, however deeply this thread holds it, and return
 * the depth to restore; 0 (and nothing released) when this thread does not
 * hold it, so code that may run with or without the lock can call it. */
static PyObject *
lock_release_save(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    if (!is_owned(self)) {
        return PyLong_FromLong(0);
    }
    Py_ssize_t count = self->count;
    self->count = 0;
    self->owner = 0;
    PyThread_release_lock(self->lock);
    return PyLong_FromSsize_t(count);
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
    if (is_owned(self)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "_acquire_restore() called while holding the lock");
        return NULL;
    }
    if (aiomoto_acquire_thread_lock(self->lock) < 0) {
        return NULL;
    }
    self->owner = PyThread_get_thread_ident();
    self->count = count;
    Py_RETURN_NONE;
}

/* In a forked child the lock is kept if it is free or the forking thread
 * holds it, and replaced (with its count) if another thread held it. */
static PyObject *
lock_after_fork(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    DispatchLockObject *self = (DispatchLockObject *)op;
    int replaced = aiomoto_thread_lock_for_child(&self->lock, is_owned(self));
    if (replaced < 0) {
        return NULL;
    }
    if (replaced) {
        self->owner = 0;
        self->count = 0;
    }
    Py_RETURN_NONE;
}

static PyObject *
lock_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    return aiomoto_lock_holder_new(type, "DispatchLock", args, kwds);
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
    if (self->count == 0) {
        return PyUnicode_FromString("<DispatchLock unlocked>");
    }
    return PyUnicode_FromFormat("<DispatchLock locked by thread %lu, count=%zd>",
                                self->owner, self->count);
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
    {Py_tp_new, lock_tp_new},
    {Py_tp_dealloc, lock_dealloc},
    {Py_tp_repr, lock_repr},
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
