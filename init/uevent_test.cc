#include "init/uevent.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;

constexpr char kUsbDisk[] =
    "/devices/platform/soc/5200000.usb/usb2/2-1/2-1:1.0/host0/target0:0:0/"
    "0:0:0:0/block/sda";

// A datagram as the kernel sends it: strings, each NUL-terminated.
std::vector<uint8_t> Message(const std::vector<std::string>& strings,
                             bool final_nul = true) {
  std::string joined = absl::StrJoin(strings, std::string(1, '\0'));
  if (final_nul) joined.push_back('\0');
  return std::vector<uint8_t>(joined.begin(), joined.end());
}

std::vector<std::string> Kernel(const std::string& action,
                                const std::string& devpath,
                                std::vector<std::string> vars) {
  std::vector<std::string> s = {absl::StrCat(action, "@", devpath),
                                "ACTION=" + action, "DEVPATH=" + devpath};
  s.insert(s.end(), vars.begin(), vars.end());
  return s;
}

TEST(ParseUevent, KernelMessages) {
  const std::string sda1 = absl::StrCat(kUsbDisk, "/sda1");
  const struct {
    std::string name;
    std::vector<uint8_t> message;
    std::string action, devpath, subsystem, devname, devtype;
    int major, minor;
    uint64_t seqnum;
    bool block;
  } kCases[] = {
      {"USB disk appears",
       Message(Kernel("add", kUsbDisk,
                      {"SUBSYSTEM=block", "MAJOR=8", "MINOR=0", "DEVNAME=sda",
                       "DEVTYPE=disk", "DISKSEQ=3", "SEQNUM=1892"})),
       "add", kUsbDisk, "block", "sda", "disk", 8, 0, 1892, true},
      {"its partition",
       Message(Kernel("add", sda1,
                      {"SUBSYSTEM=block", "MAJOR=8", "MINOR=1",
                       "DEVNAME=sda1", "DEVTYPE=partition", "DISKSEQ=3",
                       "PARTN=1", "SEQNUM=1893"})),
       "add", sda1, "block", "sda1", "partition", 8, 1, 1893, true},
      {"unplugged",
       Message(Kernel("remove", sda1,
                      {"SUBSYSTEM=block", "MAJOR=8", "MINOR=1",
                       "DEVNAME=sda1", "DEVTYPE=partition", "SEQNUM=1950"})),
       "remove", sda1, "block", "sda1", "partition", 8, 1, 1950, true},
      {"md array changes",
       Message(Kernel("change", "/devices/virtual/block/md127",
                      {"SUBSYSTEM=block", "MAJOR=9", "MINOR=127",
                       "DEVNAME=md127", "DEVTYPE=disk", "SEQNUM=2001"})),
       "change", "/devices/virtual/block/md127", "block", "md127", "disk", 9,
       127, 2001, true},
      {"USB device, not a block device",
       Message(Kernel("add", "/devices/platform/soc/5200000.usb/usb2/2-1",
                      {"SUBSYSTEM=usb", "MAJOR=189", "MINOR=129",
                       "DEVNAME=bus/usb/002/002", "DEVTYPE=usb_device",
                       "DRIVER=usb", "PRODUCT=152d/578/3114", "TYPE=0/0/0",
                       "BUSNUM=002", "DEVNUM=002", "SEQNUM=1880"})),
       "add", "/devices/platform/soc/5200000.usb/usb2/2-1", "usb",
       "bus/usb/002/002", "usb_device", 189, 129, 1880, false},
      {"driver bound, no device node",
       Message(Kernel("bind", "/devices/platform/soc/5200000.usb/usb2/2-1/2-1:1.0",
                      {"SUBSYSTEM=usb", "DEVTYPE=usb_interface",
                       "DRIVER=usb-storage", "SEQNUM=1890"})),
       "bind", "/devices/platform/soc/5200000.usb/usb2/2-1/2-1:1.0", "usb", "",
       "usb_interface", -1, -1, 1890, false},
      {"no final NUL",
       Message(Kernel("add", sda1,
                      {"SUBSYSTEM=block", "MAJOR=8", "MINOR=1",
                       "DEVNAME=sda1", "DEVTYPE=partition"}),
               false),
       "add", sda1, "block", "sda1", "partition", 8, 1, 0, true},
      {"devpath with '='",
       Message(Kernel("add", "/devices/virtual/misc/odd=name",
                      {"SUBSYSTEM=misc", "SEQNUM=7"})),
       "add", "/devices/virtual/misc/odd=name", "misc", "", "", -1, -1, 7,
       false},
      {"value with '='",
       Message(Kernel("change", "/devices/virtual/block/md127",
                      {"SUBSYSTEM=block", "MAJOR=9", "MINOR=127",
                       "DEVNAME=md127", "EXTRA=a=b"})),
       "change", "/devices/virtual/block/md127", "block", "md127", "", 9, 127,
       0, true},
  };
  for (const auto& c : kCases) {
    auto event = ParseUevent(c.message);
    ASSERT_TRUE(event.ok()) << c.name << ": " << event.status();
    ASSERT_TRUE(event->has_value()) << c.name;
    const Uevent& e = **event;
    EXPECT_EQ(e.action, c.action) << c.name;
    EXPECT_EQ(e.devpath, c.devpath) << c.name;
    EXPECT_EQ(e.subsystem, c.subsystem) << c.name;
    EXPECT_EQ(e.devname, c.devname) << c.name;
    EXPECT_EQ(e.devtype, c.devtype) << c.name;
    EXPECT_EQ(e.major, c.major) << c.name;
    EXPECT_EQ(e.minor, c.minor) << c.name;
    EXPECT_EQ(e.seqnum, c.seqnum) << c.name;
    EXPECT_EQ(e.IsBlockDevice(), c.block) << c.name;
  }
  auto e = ParseUevent(Message(Kernel("change", "/d", {"EXTRA=a=b"})));
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->vars.at("EXTRA"), "a=b");
}

TEST(ParseUevent, IgnoresUdevDaemonMessages) {
  // udevd's monitor header (libudev/libudev-monitor.c, sd-device-monitor.c):
  // "libudev\0", magic 0xfeedcafe big-endian, header size, offsets, hashes,
  // then the properties, which look like a kernel event's.
  std::vector<uint8_t> m = {'l', 'i', 'b', 'u', 'd', 'e', 'v', 0,
                            0xfe, 0xed, 0xca, 0xfe, 40, 0, 0, 0,
                            40, 0, 0, 0, 60, 0, 0, 0,
                            0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0,
                            0, 0, 0, 0, 0, 0, 0, 0};
  const std::vector<uint8_t> props = Message(
      {"ACTION=add", absl::StrCat("DEVPATH=", kUsbDisk), "SUBSYSTEM=block",
       "DEVNAME=/dev/sda", "DEVTYPE=disk", "MAJOR=8", "MINOR=0",
       "ID_FS_TYPE=linux_raid_member", "USEC_INITIALIZED=4012345"});
  m.insert(m.end(), props.begin(), props.end());
  auto event = ParseUevent(m);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_FALSE(event->has_value());
}

TEST(ParseUevent, Malformed) {
  const struct {
    std::string name;
    std::vector<uint8_t> message;
    std::string error;
  } kCases[] = {
      {"empty", {}, "no ACTION@DEVPATH header"},
      {"only NULs", {0, 0, 0}, "no ACTION@DEVPATH header"},
      {"no header", Message({"ACTION=add", "DEVPATH=/d"}),
       "no ACTION@DEVPATH header in 'ACTION=add'"},
      {"string without =", Message({"add@/d", "ACTION=add", "DEVPATH=/d",
                                    "JUNK"}),
       "'JUNK' is not KEY=VALUE"},
      {"empty key", Message({"add@/d", "ACTION=add", "DEVPATH=/d", "=x"}),
       "'=x' is not KEY=VALUE"},
      {"no ACTION", Message({"add@/d", "DEVPATH=/d"}),
       "ACTION or DEVPATH missing"},
      {"header disagrees", Message({"add@/d", "ACTION=remove", "DEVPATH=/d"}),
       "header 'add@/d' does not match ACTION=remove DEVPATH=/d"},
      {"MAJOR not a number",
       Message({"add@/d", "ACTION=add", "DEVPATH=/d", "MAJOR=x", "MINOR=1"}),
       "MAJOR=x is not a number"},
      {"negative MINOR",
       Message({"add@/d", "ACTION=add", "DEVPATH=/d", "MAJOR=8", "MINOR=-1"}),
       "MINOR=-1 is not a number"},
      {"MAJOR alone", Message({"add@/d", "ACTION=add", "DEVPATH=/d", "MAJOR=8"}),
       "MAJOR without MINOR"},
      {"SEQNUM too big",
       Message({"add@/d", "ACTION=add", "DEVPATH=/d",
                "SEQNUM=99999999999999999999999"}),
       "SEQNUM=99999999999999999999999 is not a number"},
  };
  for (const auto& c : kCases) {
    auto event = ParseUevent(c.message);
    EXPECT_EQ(event.status().code(), absl::StatusCode::kDataLoss) << c.name;
    EXPECT_THAT(event.status().message(), HasSubstr(c.error)) << c.name;
  }
}

}  // namespace
}  // namespace fdt_handoff
