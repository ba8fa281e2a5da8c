#ifndef PROCTOR_CXLSXWRITER_SHIM_H
#define PROCTOR_CXLSXWRITER_SHIM_H
#include <xlsxwriter.h>
#endif
