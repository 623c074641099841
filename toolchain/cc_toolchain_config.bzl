"""cc_toolchain_config for Debian 12's aarch64-linux-gnu-gcc (Bazel 4 API).

Static linking throughout: libc, libstdc++ and libgcc come from the cross
compiler's own target libraries (/usr/aarch64-linux-gnu/lib,
/usr/lib/gcc-cross/aarch64-linux-gnu/12), which gcc keeps using under
--sysroot; libfdt, Abseil, zlib, zstd and GoogleTest come as .a files from
the sysroot's usr/lib/aarch64-linux-gnu, headers from its usr/include. The
host's /usr/include is never searched (gcc maps it into the sysroot).
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
    "with_feature_set",
)

_PREFIX = "/usr/bin/aarch64-linux-gnu-"

_ALL_COMPILE_ACTIONS = [
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
    ACTION_NAMES.c_compile,
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.cpp_module_codegen,
    ACTION_NAMES.linkstamp_compile,
]

_ALL_LINK_ACTIONS = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

def _impl(ctx):
    tools = ["ar", "cpp", "dwp", "gcc", "gcov", "ld", "nm", "objcopy", "objdump", "strip"]
    tool_paths = [tool_path(name = t, path = _PREFIX + t) for t in tools]

    default_compile_flags = feature(
        name = "default_compile_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = _ALL_COMPILE_ACTIONS,
                flag_groups = [flag_group(flags = [
                    "-U_FORTIFY_SOURCE",
                    "-fstack-protector",
                    "-Wall",
                    "-fno-omit-frame-pointer",
                ])],
            ),
            flag_set(
                actions = _ALL_COMPILE_ACTIONS,
                flag_groups = [flag_group(flags = ["-g"])],
                with_features = [with_feature_set(features = ["dbg"])],
            ),
            # Optimized for size: the static binary must stay under 2 MiB
            # (bench/binary_size.sh), and only our own code is compiled here
            # (the libraries come prebuilt from Debian). The hot loop that
            # remains ours, the sha256 of `load --verify`, gets -O2 back
            # through .bazelrc's --per_file_copt.
            flag_set(
                actions = _ALL_COMPILE_ACTIONS,
                flag_groups = [flag_group(flags = [
                    "-g0",
                    "-Os",
                    "-D_FORTIFY_SOURCE=1",
                    "-DNDEBUG",
                    "-ffunction-sections",
                    "-fdata-sections",
                ])],
                with_features = [with_feature_set(features = ["opt"])],
            ),
        ],
    )

    # Reproducible outputs, as Bazel's own Unix toolchain does.
    unfiltered_compile_flags = feature(
        name = "unfiltered_compile_flags",
        enabled = True,
        flag_sets = [flag_set(
            actions = _ALL_COMPILE_ACTIONS,
            flag_groups = [flag_group(flags = [
                "-no-canonical-prefixes",
                "-Wno-builtin-macro-redefined",
                "-D__DATE__=\"redacted\"",
                "-D__TIMESTAMP__=\"redacted\"",
                "-D__TIME__=\"redacted\"",
            ])],
        )],
    )

    # Replaces Bazel's legacy user_link_flags feature. The rules' linkopts
    # (third_party's -labsl_* list, -lfdt, -lgtest, ...) name static
    # archives that depend on each other in an order the list doesn't
    # follow, so the linker scans them as one group. They also leave out
    # Abseil's internal libraries (a shared link gets them through the .so
    # files' DT_NEEDED, a static one doesn't): the linker script that
    # tools/make_sysroot.sh writes into the sysroot adds every Abseil
    # archive as a second group, from which ld takes only what is missing.
    user_link_flags = feature(
        name = "user_link_flags",
        enabled = True,
        flag_sets = [flag_set(
            actions = _ALL_LINK_ACTIONS,
            flag_groups = [
                flag_group(flags = ["-Wl,--start-group"]),
                flag_group(
                    flags = ["%{user_link_flags}"],
                    iterate_over = "user_link_flags",
                    expand_if_available = "user_link_flags",
                ),
                flag_group(flags = [
                    "-Wl,--end-group",
                    ctx.attr.sysroot + "/fdt-handoff-static-deps.ld",
                ]),
            ],
        )],
    )

    default_link_flags = feature(
        name = "default_link_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = _ALL_LINK_ACTIONS,
                flag_groups = [flag_group(flags = [
                    "-static",
                    "-pthread",
                    "-lstdc++",
                    "-lm",
                    "-Wl,-z,relro,-z,now",
                    "-no-canonical-prefixes",
                ])],
            ),
            # Input sections sorted by alignment, largest first: less
            # padding between them (20 KiB of .text in Debian's prebuilt
            # libraries, whose functions are 16-byte aligned). .init_array
            # keeps its order: its entries all have the same alignment.
            flag_set(
                actions = _ALL_LINK_ACTIONS,
                flag_groups = [flag_group(flags = [
                    "-Wl,--gc-sections",
                    "-Wl,--sort-section=alignment",
                ])],
                with_features = [with_feature_set(features = ["opt"])],
            ),
        ],
    )

    features = [
        feature(name = "dbg"),
        feature(name = "opt"),
        feature(name = "fastbuild"),
        default_compile_flags,
        unfiltered_compile_flags,
        user_link_flags,
        default_link_flags,
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        toolchain_identifier = "aarch64-linux-gnu-gcc",
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = "aarch64-unknown-linux-gnu",
        target_cpu = "aarch64",
        target_libc = "glibc",
        compiler = "gcc",
        abi_version = "local",
        abi_libc_version = "local",
        tool_paths = tool_paths,
        builtin_sysroot = ctx.attr.sysroot,
        cxx_builtin_include_directories = [
            "/usr/lib/gcc-cross/aarch64-linux-gnu/12/include",
            "/usr/aarch64-linux-gnu/include",
            "%sysroot%/usr/include",
        ],
    )

aarch64_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "sysroot": attr.string(mandatory = True),
    },
    provides = [CcToolchainConfigInfo],
)
