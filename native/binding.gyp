{
  "targets": [
    {
      "target_name": "kernwatch",
      "sources": [
        "src/binding.cc",
        "src/bpf_session.cc",
        "src/ring_reader.cc",
        "src/bpf_error.cc",
        "src/record_layout.cc",
        "src/quiesce.cc",
        "src/map_batch.cc"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include\")",
        "../bpf",
        "../bpf/.output"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').gyp\")"],
      "libraries": ["-lbpf", "-lelf", "-lz"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"]
    }
  ]
}
