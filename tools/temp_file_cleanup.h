// File: tools/temp_file_cleanup.h
//
// Removes WriteFileAtomic()'s temporary file when the CLI is killed by
// SIGINT, SIGTERM or SIGHUP between creating and renaming it, so Ctrl-C
// during the fsync of an output leaves no `.fdt-handoff.XXXXXX` behind.
//
//   InstallTempFileCleanup();              // once, in main()
//   WriteOptions options;
//   options.on_temp_file = RegisterTempFile;
//   WriteFileAtomic(path, bytes, options);
//
// This is process state (one registered path, signal dispositions), so it
// lives in tools/, not in the library, which keeps no globals.
#ifndef TOOLS_TEMP_FILE_CLEANUP_H_
#define TOOLS_TEMP_FILE_CLEANUP_H_

namespace fdt_handoff {

// InstallTempFileCleanup()
//
// For SIGINT, SIGTERM and SIGHUP (each unless it is ignored, e.g. SIGHUP
// under nohup): a handler that unlinks the registered path, restores the
// default action and re-raises the signal, so the process still dies of it
// with the usual status. The handler is async-signal-safe (unlink, raise).
void InstallTempFileCleanup();

// RegisterTempFile()
//
// The WriteOptions::on_temp_file hook: `path` is the file to remove on a
// signal, nullptr for none. A path of PATH_MAX bytes or more is not kept.
// Safe to call without InstallTempFileCleanup() (then it only records).
void RegisterTempFile(const char* path);

}  // namespace fdt_handoff

#endif  // TOOLS_TEMP_FILE_CLEANUP_H_
