/* libcartflow: symbol export and attribute macros shared by every public header. */
#ifndef CARTFLOW_EXPORT_H
#define CARTFLOW_EXPORT_H

#if defined(CF_BUILDING_LIBRARY) && defined(__GNUC__)
#define CF_API __attribute__((visibility("default")))
#else
#define CF_API
#endif

#if defined(__GNUC__)
#define CF_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define CF_WARN_UNUSED
#endif

#endif
