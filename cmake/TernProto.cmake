# tern_add_proto_library(<target> PROTOS <file.proto>...)
#
# Generates C++ for each .proto with protoc into ${CMAKE_BINARY_DIR}/gen, keeping the path the
# file has under the repository root, so replication/proto/tern_ops.proto is included as
# "replication/proto/tern_ops.pb.h". Imports between .proto files are written from the repository
# root too (import "replication/proto/x.proto";).
#
# The generated code is protoc's, not ours: the library takes no tern_warnings, and its include
# directory is SYSTEM for consumers so their -Werror does not trip on it.

find_package(Protobuf REQUIRED)

function(tern_add_proto_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PROTOS")
  set(gen_root "${CMAKE_BINARY_DIR}/gen")
  set(sources "")
  set(headers "")
  foreach(proto IN LISTS arg_PROTOS)
    get_filename_component(proto_abs "${proto}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
    file(RELATIVE_PATH proto_rel "${CMAKE_SOURCE_DIR}" "${proto_abs}")
    string(REGEX REPLACE "\\.proto$" "" stem "${proto_rel}")
    set(out_cc "${gen_root}/${stem}.pb.cc")
    set(out_h "${gen_root}/${stem}.pb.h")
    add_custom_command(
      OUTPUT "${out_cc}" "${out_h}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${gen_root}"
      COMMAND protobuf::protoc --cpp_out "${gen_root}" -I "${CMAKE_SOURCE_DIR}" "${proto_abs}"
      DEPENDS "${proto_abs}" protobuf::protoc
      COMMENT "protoc ${proto_rel}"
      VERBATIM)
    list(APPEND sources "${out_cc}")
    list(APPEND headers "${out_h}")
  endforeach()

  add_library(${name} STATIC ${sources} ${headers})
  target_compile_features(${name} PUBLIC cxx_std_20)
  target_include_directories(${name} SYSTEM PUBLIC "${gen_root}")
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf)
endfunction()
