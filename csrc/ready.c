/* Ready: an awaitable whose outcome is known when it is created.
 *
 * Awaiting it never suspends, so it never talks to an event loop and behaves
 * the same under asyncio, trio or a hand-driven coroutine.  It is its own
 * iterator, completing on the first step, and every await replays the same
 * outcome so a cached Ready can be awaited any number of times.
 *
 * Thread safety: a Ready's own fields never change after construction (only
 * tp_clear, run by the garbage collector on an unreachable Ready, resets
 * them).  What does change is the failed Ready's exception: every raise
 * resets its traceback, and threads awaiting one Ready at once each do so.
 * That reset happens inside the exception's critical section, the guard
 * CPython 3.14+ itself takes to set __traceback__.  (3.13's free-threaded
 * build takes none when a raise adds to the traceback, so there one failed
 * Ready awaited in several threads at once is as unsafe as any exception
 * raised in several threads.)  With the GIL it compiles to nothing.
 *
 * Why C: every awaited read of a mocked response (content, text, each raw
 * read or chunk) produces one.  As a C type with am_send it completes an
 * await without raising StopIteration or pushing a frame, which a Python
 * awaitable cannot avoid; bench/ measures the per-call figures. */
#include "core.h"

typedef struct {
    PyObject_HEAD
    /* The value, or the exception instance when failed is set. */
    PyObject *result;
    /* The exception's traceback as first seen, restored before every raise so
     * repeated awaits do not keep growing it; NULL when there was none. */
    PyObject *traceback;
    char failed;
} ReadyObject;

static PyObject *
ready_alloc(AiomotoState *state, PyObject *result, int failed)
{
    ReadyObject *self = PyObject_GC_New(ReadyObject, state->ready_type);
    if (self == NULL) {
        return NULL;
    }
    self->result = Py_NewRef(result);
    self->traceback = failed ? PyException_GetTraceback(result) : NULL;
    self->failed = (char)failed;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

PyObject *
aiomoto_ready_new(AiomotoState *state, PyObject *value)
{
    return ready_alloc(state, value, 0);
}

PyObject *
aiomoto_ready_failed(AiomotoState *state, PyObject *exc)
{
    if (!PyExceptionInstance_Check(exc)) {
        PyErr_Format(PyExc_TypeError,
                     "Ready.failed() needs an exception instance, not %.200s",
                     Py_TYPE(exc)->tp_name);
        return NULL;
    }
    return ready_alloc(state, exc, 1);
}

PyObject *
aiomoto_ready_steal(AiomotoState *state, PyObject *value)
{
    if (value == NULL) {
        return NULL;
    }
    PyObject *ready = aiomoto_ready_new(state, value);
    Py_DECREF(value);
    return ready;
}

PyObject *
aiomoto_ready_failed_steal(AiomotoState *state, PyObject *exc)
{
    if (exc == NULL) {
        return NULL;
    }
    PyObject *ready = aiomoto_ready_failed(state, exc);
    Py_DECREF(exc);
    return ready;
}

/* Raise the stored exception, traceback reset to what it was at creation. */
static void
ready_raise(ReadyObject *self)
{
    Py_BEGIN_CRITICAL_SECTION(self->result);
    PyException_SetTraceback(self->result,
                             self->traceback ? self->traceback : Py_None);
    Py_END_CRITICAL_SECTION();
    PyErr_SetObject((PyObject *)Py_TYPE(self->result), self->result);
}

/* Finish the way a generator's return does: StopIteration carrying the value.
 * The instance is built explicitly because PyErr_SetObject would unpack a
 * tuple value into constructor arguments and re-raise an exception value. */
static PyObject *
ready_stop(ReadyObject *self)
{
    if (self->failed) {
        ready_raise(self);
        return NULL;
    }
    if (self->result == Py_None) {
        PyErr_SetNone(PyExc_StopIteration);
        return NULL;
    }
    PyObject *stop = PyObject_CallOneArg(PyExc_StopIteration, self->result);
    if (stop != NULL) {
        PyErr_SetObject(PyExc_StopIteration, stop);
        Py_DECREF(stop);
    }
    return NULL;
}

static PyObject *
ready_await(PyObject *self)
{
    return Py_NewRef(self);
}

/* The await fast path (3.10+): hands the value over without an exception. */
static PySendResult
ready_am_send(PyObject *op, PyObject *Py_UNUSED(arg), PyObject **presult)
{
    ReadyObject *self = (ReadyObject *)op;
    if (self->failed) {
        ready_raise(self);
        *presult = NULL;
        return PYGEN_ERROR;
    }
    *presult = Py_NewRef(self->result);
    return PYGEN_RETURN;
}

static PyObject *
ready_iternext(PyObject *self)
{
    return ready_stop((ReadyObject *)self);
}

static PyObject *
ready_send(PyObject *self, PyObject *Py_UNUSED(value))
{
    return ready_stop((ReadyObject *)self);
}

/* Build the exception a generator's throw(typ[, val[, tb]]) would raise. */
static PyObject *
instantiate_thrown(PyObject *typ, PyObject *val)
{
    if (PyExceptionInstance_Check(typ)) {
        if (val != NULL && val != Py_None) {
            PyErr_SetString(PyExc_TypeError,
                            "instance exception may not have a separate value");
            return NULL;
        }
        return Py_NewRef(typ);
    }
    if (!PyExceptionClass_Check(typ)) {
        PyErr_Format(PyExc_TypeError,
                     "exceptions must be classes or instances deriving from "
                     "BaseException, not %.200s",
                     Py_TYPE(typ)->tp_name);
        return NULL;
    }
    if (val == NULL || val == Py_None) {
        return PyObject_CallNoArgs(typ);
    }
    if (PyObject_TypeCheck(val, (PyTypeObject *)typ)) {
        return Py_NewRef(val);
    }
    if (PyTuple_Check(val)) {
        return PyObject_Call(typ, val, NULL);
    }
    return PyObject_CallOneArg(typ, val);
}

static PyObject *
ready_throw(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *typ, *val = NULL, *tb = NULL;
    if (!PyArg_UnpackTuple(args, "throw", 1, 3, &typ, &val, &tb)) {
        return NULL;
    }
    if (tb == Py_None) {
        tb = NULL;
    }
    if (tb != NULL && !PyTraceBack_Check(tb)) {
        PyErr_SetString(PyExc_TypeError,
                        "throw() third argument must be a traceback object");
        return NULL;
    }
    PyObject *exc = instantiate_thrown(typ, val);
    if (exc == NULL) {
        return NULL;
    }
    if (!PyExceptionInstance_Check(exc)) {
        PyErr_Format(PyExc_TypeError,
                     "calling %R should have returned an instance of "
                     "BaseException, not %.200s",
                     typ, Py_TYPE(exc)->tp_name);
        Py_DECREF(exc);
        return NULL;
    }
    if (tb != NULL) {
        PyException_SetTraceback(exc, tb);
    }
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

static PyObject *
ready_close(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(ignored))
{
    Py_RETURN_NONE;
}

static PyObject *
ready_failed_classmethod(PyObject *cls, PyObject *exc)
{
    return aiomoto_ready_failed(aiomoto_state_of_type((PyTypeObject *)cls), exc);
}

static PyObject *
ready_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"value", NULL};
    PyObject *value;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Ready", kwlist, &value)) {
        return NULL;
    }
    return aiomoto_ready_new(aiomoto_state_of_type(type), value);
}

static PyObject *
ready_repr(PyObject *op)
{
    ReadyObject *self = (ReadyObject *)op;
    /* The value may contain this Ready; guard against endless recursion. */
    int status = Py_ReprEnter(op);
    if (status != 0) {
        return status > 0 ? PyUnicode_FromString("<Ready ...>") : NULL;
    }
    PyObject *repr = PyUnicode_FromFormat(
        self->failed ? "<Ready exception=%R>" : "<Ready value=%R>",
        self->result);
    Py_ReprLeave(op);
    return repr;
}

static int
ready_traverse(PyObject *op, visitproc visit, void *arg)
{
    ReadyObject *self = (ReadyObject *)op;
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->result);
    Py_VISIT(self->traceback);
    return 0;
}

/* Called only to break a reference cycle.  The result becomes None rather
 * than NULL so that anything still holding this Ready finds a valid one. */
static int
ready_clear(PyObject *op)
{
    ReadyObject *self = (ReadyObject *)op;
    self->failed = 0;
    Py_CLEAR(self->traceback);
    aiomoto_reset_to_none(&self->result);
    return 0;
}

static void
ready_dealloc(PyObject *op)
{
    ReadyObject *self = (ReadyObject *)op;
    PyObject_GC_UnTrack(op);
    Py_CLEAR(self->result);
    Py_CLEAR(self->traceback);
    aiomoto_free_instance(op);
}

static PyMethodDef ready_methods[] = {
    {"send", ready_send, METH_O,
     PyDoc_STR("send($self, value, /)\n--\n\nFinish at once, as a generator's return "
               "would.")},
    {"throw", ready_throw, METH_VARARGS,
     PyDoc_STR("throw(exc) or throw(typ[, val[, tb]])\n\nRaise the given exception.")},
    {"close", ready_close, METH_NOARGS,
     PyDoc_STR("close($self, /)\n--\n\nDo nothing; already complete.")},
    {"failed", ready_failed_classmethod, METH_O | METH_CLASS,
     PyDoc_STR("failed($type, exc, /)\n--\n\nA Ready whose await raises exc.")},
    {"__class_getitem__", Py_GenericAlias, METH_O | METH_CLASS,
     PyDoc_STR("See PEP 585.")},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot ready_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR(
         "Ready(value)\n--\n\n"
         "An awaitable that has already completed with value (or, built with "
         "Ready.failed(exc), with an exception).  It never suspends, so it "
         "works under any event loop, and may be awaited repeatedly.")},
    {Py_tp_new, AIOMOTO_SLOT(ready_tp_new)},
    {Py_tp_dealloc, AIOMOTO_SLOT(ready_dealloc)},
    {Py_tp_traverse, AIOMOTO_SLOT(ready_traverse)},
    {Py_tp_clear, AIOMOTO_SLOT(ready_clear)},
    {Py_tp_repr, AIOMOTO_SLOT(ready_repr)},
    {Py_am_await, AIOMOTO_SLOT(ready_await)},
    {Py_am_send, AIOMOTO_SLOT(ready_am_send)},
    {Py_tp_iter, AIOMOTO_SLOT(PyObject_SelfIter)},
    {Py_tp_iternext, AIOMOTO_SLOT(ready_iternext)},
    {Py_tp_methods, ready_methods},
    {0, NULL},
};

PyType_Spec aiomoto_ready_spec = {
    .name = "aiomoto._core.Ready",
    .basicsize = sizeof(ReadyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = ready_slots,
};
