/* aiomoto._core: module initialisation and the configuration the glue code
 * supplies from the libraries it imports (botocore, aiohttp), so the C side
 * never imports them itself. */
#include "core.h"

/* Set by configure(); NULL selects the fallback described at each use. */
static PyObject *headers_class;
static PyObject *encoding_from_headers;
static PyObject *closed_error;

PyObject *
aiomoto_wrap_headers(PyObject *headers)
{
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
aiomoto_encoding_from_headers(PyObject *headers)
{
    if (encoding_from_headers == NULL) {
        Py_RETURN_NONE;
    }
    return PyObject_CallOneArg(encoding_from_headers, headers);
}

PyObject *
aiomoto_closed_error(void)
{
    PyObject *cls = closed_error ? closed_error : PyExc_RuntimeError;
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
configure(PyObject *Py_UNUSED(module), PyObject *args, PyObject *kwds)
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
    store_setting(&headers_class, headers);
    store_setting(&encoding_from_headers, encoding);
    store_setting(&closed_error, closed);
    Py_RETURN_NONE;
}

static int
add_real_http_request_error(PyObject *module)
{
    /* Class-level defaults, so the attributes exist on instances raised by
     * code other than HttpGuard too. */
    PyObject *attrs = Py_BuildValue("{sOsO}", "method", Py_None, "url", Py_None);
    if (attrs == NULL) {
        return -1;
    }
    PyObject *error = PyErr_NewExceptionWithDoc(
        "aiomoto._core.RealHTTPRequestError",
        "A request inside aiomoto.mock_aws would have gone to the network.\n\n"
        "The method and url attributes describe the blocked request.",
        PyExc_Exception, attrs);
    Py_DECREF(attrs);
    if (error == NULL) {
        return -1;
    }
    int status = PyModule_AddObjectRef(module, "RealHTTPRequestError", error);
    Py_DECREF(error);
    return status;
}

static int
add_types(PyObject *module)
{
    PyTypeObject *types[] = {
        &AiomotoReady_Type,      &AiomotoRawStream_Type,  &AiomotoChunkIterator_Type,
        &AiomotoAsyncResponse_Type, &AiomotoHttpGuard_Type, &AiomotoActivation_Type,
        &AiomotoDispatcher_Type, &AiomotoDispatchLock_Type,
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (PyModule_AddType(module, types[i]) < 0) {
            return -1;
        }
    }
    return 0;
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

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiomoto._core",
    .m_doc = PyDoc_STR("C engine of aiomoto: awaitables, responses and the patches "
                       "applied while aiomoto.mock_aws is active."),
    .m_size = -1,
    .m_methods = core_functions,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    PyObject *module = PyModule_Create(&core_module);
    if (module == NULL) {
        return NULL;
    }
    if (add_types(module) < 0 || add_real_http_request_error(module) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
