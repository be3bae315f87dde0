/* Declarations shared by the translation units of aiomoto._core. */
#ifndef AIOMOTO_CORE_H
#define AIOMOTO_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Members: Py_T_OBJECT_EX and Py_READONLY replace structmember.h's
 * deprecated spellings from 3.12 on; the older headers only have those. */
#if PY_VERSION_HEX >= 0x030C0000
#define AIOMOTO_T_OBJECT Py_T_OBJECT_EX
#define AIOMOTO_T_PYSSIZET Py_T_PYSSIZET
#define AIOMOTO_READONLY Py_READONLY
#else
#include "structmember.h"
#define AIOMOTO_T_OBJECT T_OBJECT_EX
#define AIOMOTO_T_PYSSIZET T_PYSSIZET
#define AIOMOTO_READONLY READONLY
#endif

/* Everything the module owns, one copy per module object (so per
 * interpreter).  Built by the module's Py_mod_exec (module.c). */
typedef struct {
    PyTypeObject *ready_type;
    PyTypeObject *raw_stream_type;
    PyTypeObject *chunk_iterator_type;
    PyTypeObject *async_response_type;
    PyTypeObject *http_guard_type;
    PyTypeObject *activation_type;
    PyTypeObject *dispatcher_type;
    PyTypeObject *dispatch_lock_type;
    PyObject *real_http_request_error;
    /* Set by configure(); NULL selects the fallback described at each use. */
    PyObject *headers_class;
    PyObject *encoding_from_headers;
    PyObject *closed_error;
    /* Names looked up on every request, interned once. */
    PyObject *str_body;
    PyObject *str_content;
    PyObject *str_enabled;
    PyObject *str_event_name;
    PyObject *str_method;
    PyObject *str_process_request;
    PyObject *str_request;
    PyObject *str_status_code;
    PyObject *str_url;
} AiomotoState;

/* The state of the module that defined type.  None of the module's types
 * accepts subclasses (no Py_TPFLAGS_BASETYPE), so the type of an instance is
 * always its defining class and PyType_GetModuleState needs no MRO walk, the
 * lookup PyType_GetModuleByDef would do for subclassable types. */
static inline AiomotoState *
aiomoto_state_of_type(PyTypeObject *type)
{
    return (AiomotoState *)PyType_GetModuleState(type);
}

static inline AiomotoState *
aiomoto_state_of(PyObject *self)
{
    return aiomoto_state_of_type(Py_TYPE(self));
}

/* The type specs (one per file), turned into heap types by module.c. */
extern PyType_Spec aiomoto_ready_spec;
extern PyType_Spec aiomoto_raw_stream_spec;
extern PyType_Spec aiomoto_chunk_iterator_spec;
extern PyType_Spec aiomoto_async_response_spec;
extern PyType_Spec aiomoto_http_guard_spec;
extern PyType_Spec aiomoto_activation_spec;
extern PyType_Spec aiomoto_dispatcher_spec;
extern PyType_Spec aiomoto_dispatch_lock_spec;

/* Instance teardown shared by every type: a heap type's instances own a
 * reference to it, dropped after the memory is freed. */
static inline void
aiomoto_free_instance(PyObject *op)
{
    PyTypeObject *type = Py_TYPE(op);
    type->tp_free(op);
    Py_DECREF(type);
}

/* Completed awaitables (ready.c).  The _new/_failed forms borrow their
 * argument; the _steal forms take ownership of it and accept NULL (returning
 * NULL with the caller's error still set), so a producer's result can be
 * wrapped without a temporary. */
PyObject *aiomoto_ready_new(AiomotoState *state, PyObject *value);
PyObject *aiomoto_ready_failed(AiomotoState *state, PyObject *exc);
PyObject *aiomoto_ready_steal(AiomotoState *state, PyObject *value);
PyObject *aiomoto_ready_failed_steal(AiomotoState *state, PyObject *exc);

/* body must be bytes; url is a str or None.  Both borrowed. */
PyObject *aiomoto_raw_stream_new(AiomotoState *state, PyObject *body, PyObject *url);

/* Arguments as for AsyncResponse(url, status_code, headers, body); borrowed. */
PyObject *aiomoto_async_response_new(AiomotoState *state, PyObject *url,
                                     PyObject *status_code, PyObject *headers,
                                     PyObject *body);

/* The reentrant Moto lock (lock.c); op must be a DispatchLock.  acquire
 * returns -1 with an exception set if a signal handler raised while waiting;
 * release must only be called by the holder. */
int aiomoto_lock_acquire(PyObject *op);
void aiomoto_lock_release(PyObject *op);

/* Module configuration (module.c).  Each returns a new reference, or NULL
 * with an exception set, and falls back to a sensible default until
 * configure() has been called. */
PyObject *aiomoto_wrap_headers(AiomotoState *state, PyObject *headers);
PyObject *aiomoto_encoding_from_headers(AiomotoState *state, PyObject *headers);
PyObject *aiomoto_closed_error(AiomotoState *state);

/* The constructors of the lock-holding types (Activation, DispatchLock) take
 * no arguments; -1 with TypeError set when some were given. */
static inline int
aiomoto_no_arguments(const char *type_name, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) == 0 && (kwds == NULL || PyDict_GET_SIZE(kwds) == 0)) {
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s() takes no arguments", type_name);
    return -1;
}

/* A new thread lock, or NULL with MemoryError set. */
static inline PyThread_type_lock
aiomoto_new_thread_lock(void)
{
    PyThread_type_lock lock = PyThread_allocate_lock();
    if (lock == NULL) {
        PyErr_NoMemory();
    }
    return lock;
}

/* The start of Activation and DispatchLock, so one constructor serves both. */
typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock;
} AiomotoLockHolder;

/* A new instance of a type that starts as AiomotoLockHolder: no arguments
 * accepted, a fresh lock, every other field zero (tp_alloc zero-fills). */
static inline PyObject *
aiomoto_lock_holder_new(PyTypeObject *type, const char *type_name, PyObject *args,
                        PyObject *kwds)
{
    if (aiomoto_no_arguments(type_name, args, kwds) < 0) {
        return NULL;
    }
    /* type is always the class itself: the lock types take no subclasses. */
    AiomotoLockHolder *self = (AiomotoLockHolder *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->lock = aiomoto_new_thread_lock();
    if (self->lock == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* Take a thread lock, waiting for it without the GIL: its holder may need
 * the GIL to let it go.  The wait is interruptible: a signal wakes it so that
 * its Python handler runs, and if the handler raises (KeyboardInterrupt) this
 * returns -1 with that exception set, not holding the lock. */
static inline int
aiomoto_acquire_thread_lock(PyThread_type_lock lock)
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
 * free: a thread takes it without the GIL and records itself only once it
 * has the GIL back.  1 when replaced, 0 when kept, -1 with MemoryError. */
static inline int
aiomoto_thread_lock_for_child(PyThread_type_lock *lock, int held_here)
{
    if (held_here) {
        return 0;
    }
    if (PyThread_acquire_lock(*lock, NOWAIT_LOCK)) {
        PyThread_release_lock(*lock);
        return 0;
    }
    PyThread_type_lock fresh = aiomoto_new_thread_lock();
    if (fresh == NULL) {
        return -1;
    }
    *lock = fresh;
    return 1;
}

/* Point *slot at None, dropping what it held.  tp_clear implementations use
 * this instead of Py_CLEAR so that methods never meet a NULL field; the old
 * reference is released last because releasing it can run arbitrary code. */
static inline void
aiomoto_reset_to_none(PyObject **slot)
{
    PyObject *old = *slot;
    *slot = Py_NewRef(Py_None);
    Py_XDECREF(old);
}

/* Detach the exception being raised as a single instance with its traceback
 * attached.  PyErr_GetRaisedException only exists from 3.12 on. */
static inline PyObject *
aiomoto_take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (value != NULL && traceback != NULL) {
        PyException_SetTraceback(value, traceback);
    }
    Py_XDECREF(type);
    Py_XDECREF(traceback);
    return value;
#endif
}

#endif /* AIOMOTO_CORE_H */
