/* aiomoto._core: module initialisation, its per-module state, and the
 * configuration the glue code supplies from the libraries it imports
 * (botocore, aiohttp), so the C side never imports them itself.
 *
 * Multi-phase initialisation: every type is a heap type made from its spec
 * for this module object and kept in the module state with the settings, so
 * each interpreter that imports the module gets its own copy of all of it.
 *
 * Thread safety: the types and interned names are written once, by exec,
 * before any other code can see the module.  The settings change whenever
 * configure() is called, possibly while requests on other threads use them:
 * readers take a strong reference (setting()), so a replaced setting stays
 * alive until they are done with it, and on a free-threaded build the
 * pointers are read and swapped under the state's settings_mutex.  The
 * mutex is held only to copy pointers, never while code runs: a dropped
 * setting is released after unlocking, as releasing it can run anything,
 * configure() included.
 *
 * Why C: this file only sets the module up; the types it registers are C
 * because they run per request (see the comment at the top of each file). */
#include "core.h"

#include <stddef.h> /* size_t */

static inline AiomotoState *
module_state(PyObject *module)
{
    return (AiomotoState *)PyModule_GetState(module);
}

/* The guard of the settings (see the top of this file): a mutex on a
 * free-threaded build, nothing with the GIL, which no code between lock and
 * unlock can release. */
#ifdef Py_GIL_DISABLED
#define LOCK_SETTINGS(state) PyMutex_Lock(&(state)->settings_mutex)
#define UNLOCK_SETTINGS(state) PyMutex_Unlock(&(state)->settings_mutex)
#else
#define LOCK_SETTINGS(state) ((void)(state))
#define UNLOCK_SETTINGS(state) ((void)(state))
#endif

/* A strong reference to the setting in *slot, or NULL for its fallback. */
static PyObject *
setting(AiomotoState *state, PyObject *const *slot)
{
    LOCK_SETTINGS(state);
    PyObject *value = Py_XNewRef(*slot);
    UNLOCK_SETTINGS(state);
    return value;
}

static PyObject *
wrap_headers_with(PyObject *headers_class, PyObject *headers)
{
    if (PyType_Check(headers_class)) {
        int is_wrapped = PyObject_IsInstance(headers, headers_class);
        if (is_wrapped != 0) {
            return is_wrapped > 0 ? Py_NewRef(headers) : NULL;
        }
    }
    return PyObject_CallOneArg(headers_class, headers);
}

PyObject *
aiomoto_wrap_headers(AiomotoState *state, PyObject *headers)
{
    PyObject *headers_class = setting(state, &state->headers_class);
    if (headers_class == NULL) {
        return Py_NewRef(headers);
    }
    PyObject *wrapped = wrap_headers_with(headers_class, headers);
    Py_DECREF(headers_class);
    return wrapped;
}

PyObject *
aiomoto_encoding_from_headers(AiomotoState *state, PyObject *headers)
{
    PyObject *lookup = setting(state, &state->encoding_from_headers);
    if (lookup == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *encoding = PyObject_CallOneArg(lookup, headers);
    Py_DECREF(lookup);
    return encoding;
}

PyObject *
aiomoto_closed_error(AiomotoState *state)
{
    PyObject *cls = setting(state, &state->closed_error);
    if (cls == NULL) {
        cls = Py_NewRef(PyExc_RuntimeError);
    }
    PyObject *exc = PyObject_CallFunction(cls, "s", "Connection closed");
    Py_DECREF(cls);
    return exc;
}
/* None restores the fallback; anything else must pass `valid`. */
static int
check_setting(const char *name, PyObject *value, int valid, const char *expected)
{
    if (value == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "configure() missing required keyword argument '%s'", name);
        return -1;
    }
    if (value != Py_None && !valid) {
        PyErr_Format(PyExc_TypeError, "configure() %s must be %s or None, not %.200s",
                     name, expected, Py_TYPE(value)->tp_name);
        return -1;
    }
    return 0;
}

/* Replace the settings under one hold of their guard; the old ones are
 * released after it is let go. */
static void
store_settings(AiomotoState *state, PyObject *headers, PyObject *encoding,
               PyObject *closed)
{
    PyObject *const given[] = {headers, encoding, closed};
    PyObject **slots[] = {&state->headers_class, &state->encoding_from_headers,
                          &state->closed_error};
    PyObject *old[3];
    LOCK_SETTINGS(state);
    for (size_t i = 0; i < 3; i++) {
        old[i] = *slots[i];
        *slots[i] = given[i] == Py_None ? NULL : Py_NewRef(given[i]);
    }
    UNLOCK_SETTINGS(state);
    for (size_t i = 0; i < 3; i++) {
        Py_XDECREF(old[i]);
    }
}

static PyObject *
configure(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"headers_class", "encoding_from_headers", "closed_error",
                             NULL};
    PyObject *headers = NULL, *encoding = NULL, *closed = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$OOO:configure", kwlist, &headers,
                                     &encoding, &closed)) {
        return NULL;
    }
    if (check_setting("headers_class", headers, headers && PyCallable_Check(headers),
                      "callable") < 0 ||
        check_setting("encoding_from_headers", encoding,
                      encoding && PyCallable_Check(encoding), "callable") < 0 ||
        check_setting("closed_error", closed, closed && PyExceptionClass_Check(closed),
                      "an exception class") < 0) {
        return NULL;
    }
    store_settings(module_state(module), headers, encoding, closed);
    Py_RETURN_NONE;
}

/* Each type is made for this module object, stored in the state (which
 * owns that reference) and published as a module attribute. */
static int
add_types(PyObject *module, AiomotoState *state)
{
    struct {
        PyTypeObject **slot;
        PyType_Spec *spec;
    } types[] = {
        {&state->ready_type, &aiomoto_ready_spec},
        {&state->raw_stream_type, &aiomoto_raw_stream_spec},
        {&state->chunk_iterator_type, &aiomoto_chunk_iterator_spec},
        {&state->async_response_type, &aiomoto_async_response_spec},
        {&state->dispatcher_type, &aiomoto_dispatcher_spec},
        {&state->dispatch_lock_type, &aiomoto_dispatch_lock_spec},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        PyObject *type = PyType_FromModuleAndSpec(module, types[i].spec, NULL);
        if (type == NULL) {
            return -1;
        }
        *types[i].slot = (PyTypeObject *)type;
        if (PyModule_AddType(module, (PyTypeObject *)type) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
intern_names(AiomotoState *state)
{
    struct {
        PyObject **slot;
        const char *name;
    } names[] = {
        {&state->str_body, "body"},
        {&state->str_content, "content"},
        {&state->str_enabled, "enabled"},
        {&state->str_event_name, "event_name"},
        {&state->str_method, "method"},
        {&state->str_process_request, "process_request"},
        {&state->str_request, "request"},
        {&state->str_status_code, "status_code"},
        {&state->str_url, "url"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        *names[i].slot = PyUnicode_InternFromString(names[i].name);
        if (*names[i].slot == NULL) {
            return -1;
        }
    }
    return 0;
}

/* On failure the import machinery drops the module, and m_clear/m_free
 * release whatever was stored so far. */
static int
core_exec(PyObject *module)
{
    AiomotoState *state = module_state(module);
    if (intern_names(state) < 0 || add_types(module, state) < 0) {
        return -1;
    }
    return 0;
}

static int
core_traverse(PyObject *module, visitproc visit, void *arg)
{
    AiomotoState *state = module_state(module);
    if (state == NULL) {
        return 0;
    }
    Py_VISIT(state->ready_type);
    Py_VISIT(state->raw_stream_type);
    Py_VISIT(state->chunk_iterator_type);
    Py_VISIT(state->async_response_type);
    Py_VISIT(state->dispatcher_type);
    Py_VISIT(state->dispatch_lock_type);
    Py_VISIT(state->headers_class);
    Py_VISIT(state->encoding_from_headers);
    Py_VISIT(state->closed_error);
    return 0;
}

/* The interned names are cleared too: they cannot form cycles, but this is
 * also what m_free runs, and that must release everything. */
static int
core_clear(PyObject *module)
{
    AiomotoState *state = module_state(module);
    if (state == NULL) {
        return 0;
    }
    Py_CLEAR(state->ready_type);
    Py_CLEAR(state->raw_stream_type);
    Py_CLEAR(state->chunk_iterator_type);
    Py_CLEAR(state->async_response_type);
    Py_CLEAR(state->dispatcher_type);
    Py_CLEAR(state->dispatch_lock_type);
    Py_CLEAR(state->headers_class);
    Py_CLEAR(state->encoding_from_headers);
    Py_CLEAR(state->closed_error);
    Py_CLEAR(state->str_body);
    Py_CLEAR(state->str_content);
    Py_CLEAR(state->str_enabled);
    Py_CLEAR(state->str_event_name);
    Py_CLEAR(state->str_method);
    Py_CLEAR(state->str_process_request);
    Py_CLEAR(state->str_request);
    Py_CLEAR(state->str_status_code);
    Py_CLEAR(state->str_url);
    return 0;
}

static void
core_free(void *module)
{
    core_clear((PyObject *)module);
}

static PyMethodDef core_functions[] = {
    {"configure", (PyCFunction)(void (*)(void))configure, METH_VARARGS | METH_KEYWORDS,
     PyDoc_STR("configure($module, /, *, headers_class, encoding_from_headers, "
               "closed_error)\n--\n\n"
               "Supply the headers class, the charset lookup and the exception for "
               "reading a closed stream.  None restores a setting's fallback: "
               "headers as given, UTF-8, RuntimeError.")},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot core_slots[] = {
    {Py_mod_exec, AIOMOTO_SLOT(core_exec)},
#if PY_VERSION_HEX >= 0x030C0000
    /* Everything the module owns lives in its state, one per module object,
     * and every type is made per module: nothing is shared between
     * interpreters, so each may have its own GIL. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    /* The GIL is not needed: every field that changes after construction has
     * a guard of its own on a free-threaded build (core.h lists them, and
     * each file's comment says which guard protects what), so importing the
     * module there leaves the GIL off. */
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiomoto._core",
    .m_doc = PyDoc_STR("C engine of aiomoto: awaitables, responses and the patches "
                       "applied while aiomoto.mock_aws is active."),
    .m_size = sizeof(AiomotoState),
    .m_methods = core_functions,
    .m_slots = core_slots,
    .m_traverse = core_traverse,
    .m_clear = core_clear,
    .m_free = core_free,
};

/* The one function the module exports, declared as every exported
 * function is. */
PyMODINIT_FUNC PyInit__core(void);

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&core_module);
}
