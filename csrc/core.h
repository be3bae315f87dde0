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
    PyTypeObject *dispatcher_type;
    PyTypeObject *dispatch_lock_type;
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

/* The type specs, turned into heap types by module.c. */
extern PyType_Spec aiomoto_ready_spec;
extern PyType_Spec aiomoto_raw_stream_spec;
extern PyType_Spec aiomoto_chunk_iterator_spec;
extern PyType_Spec aiomoto_async_response_spec;
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
