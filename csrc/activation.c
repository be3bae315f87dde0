/* Activation: how deeply aiomoto.mock_aws is nested, shared by every thread.
 *
 * The patches go on when the depth leaves 0 and come off when it returns to
 * 0.  A lock is held across applying or removing them so that another thread
 * entering meanwhile waits until they are complete instead of running against
 * half-patched libraries.  The GIL alone is not enough: apply() and remove()
 * run Python code, which can let other threads in. */
#include "core.h"
#include "pythread.h"

typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock; /* first, as in AiomotoLockHolder */
    Py_ssize_t depth;
    /* Thread running apply()/remove() under the lock, 0 when none.  Read and
     * written only with the GIL held, which orders the accesses. */
    unsigned long owner;
} ActivationObject;

static const char REENTERED[] =
    "aiomoto.mock_aws cannot be entered or exited while it is applying or "
    "removing its patches";

/* -1 with RuntimeError when the caller is the thread already holding the
 * lock (waiting would never end), or with the exception that interrupted the
 * wait. */
static int
acquire(ActivationObject *self)
{
    if (self->owner == PyThread_get_thread_ident()) {
        PyErr_SetString(PyExc_RuntimeError, REENTERED);
        return -1;
    }
    return aiomoto_acquire_thread_lock(self->lock);
}

static int
call_owned(ActivationObject *self, PyObject *callback)
{
    self->owner = PyThread_get_thread_ident();
    PyObject *result = PyObject_CallNoArgs(callback);
    self->owner = 0;
    Py_XDECREF(result);
    return result == NULL ? -1 : 0;
}

static PyObject *
activation_enter(PyObject *op, PyObject *apply)
{
    ActivationObject *self = (ActivationObject *)op;
    if (acquire(self) < 0) {
        return NULL;
    }
    self->depth++;
    if (self->depth == 1 && call_owned(self, apply) < 0) {
        self->depth = 0;
        PyThread_release_lock(self->lock);
        return NULL;
    }
    Py_ssize_t depth = self->depth;
    PyThread_release_lock(self->lock);
    return PyLong_FromSsize_t(depth);
}

/* A failing remove() still leaves the depth at 0: the mock has been exited,
 * and entering again must re-apply the patches. */
static PyObject *
activation_exit(PyObject *op, PyObject *remove)
{
    ActivationObject *self = (ActivationObject *)op;
    if (acquire(self) < 0) {
        return NULL;
    }
    if (self->depth == 0) {
        PyThread_release_lock(self->lock);
        PyErr_SetString(PyExc_RuntimeError,
                        "aiomoto.mock_aws exited more times than it was entered");
        return NULL;
    }
    self->depth--;
    if (self->depth == 0 && call_owned(self, remove) < 0) {
        PyThread_release_lock(self->lock);
        return NULL;
    }
    Py_ssize_t depth = self->depth;
    PyThread_release_lock(self->lock);
    return PyLong_FromSsize_t(depth);
}

/* In a forked child the lock is kept if it is free or the forking thread
 * holds it (forking from apply() or remove()), and replaced if another thread
 * held it. */
static PyObject *
activation_after_fork(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    ActivationObject *self = (ActivationObject *)op;
    int held_here = self->owner == PyThread_get_thread_ident();
    int replaced = aiomoto_thread_lock_for_child(&self->lock, held_here);
    if (replaced < 0) {
        return NULL;
    }
    if (replaced) {
        self->owner = 0;
    }
    Py_RETURN_NONE;
}

static PyObject *
activation_get_depth(PyObject *op, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(((ActivationObject *)op)->depth);
}

static PyObject *
activation_get_active(PyObject *op, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(((ActivationObject *)op)->depth > 0);
}

static PyObject *
activation_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    return aiomoto_lock_holder_new(type, "Activation", args, kwds);
}

static void
activation_dealloc(PyObject *op)
{
    ActivationObject *self = (ActivationObject *)op;
    if (self->lock != NULL) {
        PyThread_free_lock(self->lock);
    }
    aiomoto_free_instance(op);
}

static PyObject *
activation_repr(PyObject *op)
{
    Py_ssize_t depth = ((ActivationObject *)op)->depth;
    return PyUnicode_FromFormat("<Activation depth=%zd>", depth);
}

static PyMethodDef activation_methods[] = {
    {"enter", activation_enter, METH_O,
     PyDoc_STR("enter($self, apply, /)\n--\n\n"
               "Increase the depth, calling apply() when it leaves 0; if apply() "
               "raises, the depth stays 0.  Returns the new depth.")},
    {"exit", activation_exit, METH_O,
     PyDoc_STR("exit($self, remove, /)\n--\n\n"
               "Decrease the depth, calling remove() when it reaches 0.  Returns the "
               "new depth.")},
    {"_after_fork", activation_after_fork, METH_NOARGS,
     PyDoc_STR("_after_fork($self, /)\n--\n\nGive a forked child a fresh lock; for "
               "os.register_at_fork.")},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef activation_getset[] = {
    {"depth", activation_get_depth, NULL, PyDoc_STR("Current nesting depth."), NULL},
    {"active", activation_get_active, NULL, PyDoc_STR("Whether depth > 0."), NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot activation_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR("Activation()\n--\n\n"
                                  "Thread-safe nesting depth of aiomoto.mock_aws.")},
    {Py_tp_new, activation_tp_new},
    {Py_tp_dealloc, activation_dealloc},
    {Py_tp_repr, activation_repr},
    {Py_tp_methods, activation_methods},
    {Py_tp_getset, activation_getset},
    {0, NULL},
};

/* Holds no object references, so it takes no part in garbage collection. */
PyType_Spec aiomoto_activation_spec = {
    .name = "aiomoto._core.Activation",
    .basicsize = sizeof(ActivationObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = activation_slots,
};
