// error_kind_of.hpp — the kind of error a script ends with, for the API tests.
#pragma once

#include <boost/test/unit_test.hpp>

#include <string>

#include <glimmer/glimmer.hpp>

namespace glimmer::api_test {

// Runs `code` and returns the kind of the error it raised; a script that finishes is a failure.
inline ErrorKind error_kind_of(Engine& engine, const std::string& code) {
    try {
        engine.run(code);
    } catch (const Error& error) {
        return error.kind();
    }
    BOOST_FAIL("the script finished without an error");
    return ErrorKind::CustomError;
}

}  // namespace glimmer::api_test
