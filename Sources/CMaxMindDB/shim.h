#ifndef CMAXMINDDB_SHIM_H
#define CMAXMINDDB_SHIM_H

#include <maxminddb.h>
#include <string.h>
#include <sys/socket.h>

/// The ISO 3166-1 alpha-2 code of `address` in an open MaxMind-DB: `country.iso_code`, else
/// `registered_country.iso_code` (an address whose users' country is unknown, such as a mobile
/// carrier's). Writes the two letters to `code` and returns 1, or returns 0 when the database has
/// no such entry. A shim because `MMDB_get_value` is variadic, which Swift cannot call.
static inline int cmaxminddb_country(MMDB_s *db, const struct sockaddr *address, char code[2]) {
    int error = MMDB_SUCCESS;
    MMDB_lookup_result_s result = MMDB_lookup_sockaddr(db, address, &error);
    if (error != MMDB_SUCCESS || !result.found_entry) return 0;
    static const char *const country[] = {"country", "iso_code", NULL};
    static const char *const registered[] = {"registered_country", "iso_code", NULL};
    const char *const *const paths[2] = {country, registered};
    for (int index = 0; index < 2; index++) {
        MMDB_entry_data_s data;
        if (MMDB_aget_value(&result.entry, &data, paths[index]) == MMDB_SUCCESS && data.has_data
            && data.type == MMDB_DATA_TYPE_UTF8_STRING && data.data_size == 2) {
            memcpy(code, data.utf8_string, 2);
            return 1;
        }
    }
    return 0;
}

#endif
