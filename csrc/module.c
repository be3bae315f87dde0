/* aiomoto._core: module initialisation, its per-module state, and the
 * configuration the glue code supplies from the libraries it imports
 * (botocore, aiohttp), so the C side never imports them itself.
 *
 * Multi-phase initialisation: every type is a heap type made from its spec
 * for this module object and kept in the module state with the settings, so
 * each interpreter that imports the module gets its own copy of all of it.
 *
 * Why C: this file only sets the module up; the types it registers are C
 * because they run per request (see the comment at the top of each file). */
#include "core.h"

static inline AiomotoState *
module_state(PyObject *module)
{
    return (AiomotoState *)PyModule_GetState(module);
}

PyObject *
aiomoto_wrap_headers(AiomotoState *state, PyObject *headers)
{
    PyObject *headers_class = state->headers_class;
    if (headers_class == NULL) {
        return Py_NewRef(headers);
    }
    if (PyType_Check(headers_class)) {
        int is_wrapped = PyObject_IsInstance(headers, headers_class);
        if (is_wrapped != 0) {
            return is_wrapped > 0 ? Py_NewRef(headers) : NULL;
        }
    }
    return PyObject_CallOneArg(headers_class, headers);
}

PyObject *
aiomoto_encoding_from_headers(AiomotoState *state, PyObject *headers)
{
    if (state->encoding_from_headers == NULL) {
        Py_RETURN_NONE;
    }
    return PyObject_CallOneArg(state->encoding_from_headers, headers);
}

PyObject *
aiomoto_closed_error(AiomotoState *state)
{
    PyObject *cls = state->closed_error ? state->closed_error : PyExc_RuntimeError;
    return PyObject_CallFunction(cls, "s", "Connection closed");
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

static void
store_setting(PyObject **slot, PyObject *value)
{
    PyObject *old = *slot;
    *slot = value == Py_None ? NULL : Py_NewRef(value);
    Py_XDECREF(old);
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
    AiomotoState *state = module_state(module);
    store_setting(&state->headers_class, headers);
    store_setting(&state->encoding_from_headers, encoding);
    store_setting(&state->closed_error, closed);
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
    {Py_mod_exec, core_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* Everything the module owns lives in its state, one per module object,
     * and every type is made per module: nothing is shared between
     * interpreters, so each may have its own GIL. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    /* The GIL is needed.  These depend on it, as plain loads and stores with
     * no lock of their own:
     * - RawStream's position and closed flag (read-modify-write per read);
     * - AsyncResponse's raw stream, built on first access;
     * - DispatchLock's owner and count, which other threads read to see
     *   whether they hold it;
     * - the configure() settings, replaced while a request may be using them
     *   through a borrowed pointer;
     * - Ready resetting its exception's traceback before each raise.
     * A free-threaded interpreter therefore turns the GIL back on when it
     * imports this module, and says so with a RuntimeWarning. */
    {Py_mod_gil, Py_MOD_GIL_USED},
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

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&core_module);
}
