#include "fdt/path.h"

#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

TEST(JoinNodePath, TheRootHasNoDoubleSlash) {
  EXPECT_EQ(JoinNodePath("/", "soc"), "/soc");
  EXPECT_EQ(JoinNodePath("/", "memory@40000000"), "/memory@40000000");
}

TEST(JoinNodePath, DeeperNodesGetOneSlash) {
  EXPECT_EQ(JoinNodePath("/soc", "usb@5310000"), "/soc/usb@5310000");
  EXPECT_EQ(JoinNodePath("/reserved-memory", "tf-a@40000000"),
            "/reserved-memory/tf-a@40000000");
}

}  // namespace
}  // namespace fdt_handoff
