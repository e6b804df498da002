/* count: the number of elements of an array (not of a pointer). */
#ifndef SESSIM_SIM_COUNT_H
#define SESSIM_SIM_COUNT_H

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#endif
