/* Declarations shared by the translation units of aiomoto._core, and the
 * small shims that let one source build against CPython 3.11 to 3.15, with
 * the GIL or free-threaded.
 *
 * Thread safety.  On a free-threaded build (Py_GIL_DISABLED) nothing
 * serialises the C code, so every field that changes after construction has
 * a guard of its own, named where the field is declared:
 * - the object's critical section (Py_BEGIN_CRITICAL_SECTION) for per-object
 *   state: RawStream's position and closed flag, AsyncResponse's status code
 *   and lazily built raw stream, DispatchLock's owner and count, and a
 *   failed Ready's exception traceback (the exception's own section, the
 *   one CPython 3.14+ takes to set __traceback__);
 * - a PyMutex in the module state for the configure() settings.
 * With the GIL these compile to nothing: the critical-section macros are
 * plain braces and the settings mutex is not built.  Every build takes a
 * strong reference where a borrowed one could be released while in use (a
 * setting, a deferred handler, the parts of Moto's answer), since other
 * code run meanwhile could release it even with the GIL. */
#ifndef AIOMOTO_CORE_H
#define AIOMOTO_CORE_H

/* Python.h may set options the standard headers read, so every file
 * includes this header before any standard one. */
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

/* Critical sections are public from 3.13, where a GIL build defines them as
 * plain braces; these give 3.11 and 3.12, which always have a GIL, the same.
 * As with CPython's own, a section is a block: the code inside must leave
 * through its end, never by return or goto. */
#if PY_VERSION_HEX < 0x030D0000
#define Py_BEGIN_CRITICAL_SECTION(op) {
#define Py_END_CRITICAL_SECTION() }
#endif

/* PyType_Slot and PyModuleDef_Slot carry functions as void *.  ISO C leaves
 * that conversion to the implementation; every platform CPython supports
 * defines it and the whole slot API relies on it, but GCC's and Clang's
 * -pedantic flag each use, which __extension__ tells them is intended. */
#if defined(__GNUC__)
#define AIOMOTO_SLOT(function) (__extension__(void *)(function))
#else
#define AIOMOTO_SLOT(function) ((void *)(function))
#endif

/* Everything the module owns, one copy per module object (so per
 * interpreter).  Built by the module's Py_mod_exec (module.c).  The types
 * and names are set once by exec and never change; only the settings do. */
typedef struct {
    PyTypeObject *ready_type;
    PyTypeObject *raw_stream_type;
    PyTypeObject *chunk_iterator_type;
    PyTypeObject *async_response_type;
    PyTypeObject *dispatcher_type;
    PyTypeObject *dispatch_lock_type;
    /* Set by configure(); NULL selects the fallback described at each use.
     * A request may read them while another thread's configure() replaces
     * them, so they are read as strong references (module.c's setting()) and
     * swapped under settings_mutex on a free-threaded build; with the GIL,
     * taking the reference with no code run in between is enough. */
    PyObject *headers_class;
    PyObject *encoding_from_headers;
    PyObject *closed_error;
#ifdef Py_GIL_DISABLED
    PyMutex settings_mutex;
#endif
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

/* PyDict_GetItemRef (3.13+): *result is a strong reference to the value, or
 * NULL when absent; 1 found, 0 absent, -1 error.  A strong reference keeps
 * the value alive if another thread (or code the caller runs) removes it
 * from the dict meanwhile; older versions get it from the borrowed lookup,
 * taken while the GIL is held. */
#if PY_VERSION_HEX < 0x030D0000
static inline int
PyDict_GetItemRef(PyObject *dict, PyObject *key, PyObject **result)
{
    *result = Py_XNewRef(PyDict_GetItemWithError(dict, key));
    if (*result != NULL) {
        return 1;
    }
    return PyErr_Occurred() ? -1 : 0;
}
#endif

#endif /* AIOMOTO_CORE_H */
