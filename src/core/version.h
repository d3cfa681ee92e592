#ifndef GH_VERSION_H
#define GH_VERSION_H
#define GONGHUI_VERSION "0.1.0"
#endif
