# Regression profile: Orange Pi Zero 2W with the expansion board's USB ports.
# Format: fdt/regress_profile.h. Shipped inside fdt-handoff (embedded at
# build time by fdt/profiles/BUILD.bazel); `fdt-handoff regress` runs it
# unless --profile names other profiles.
board    Orange Pi Zero 2W
dtb      sun50i-h618-orangepi-zero2w.dtb
# The DTS went upstream in 6.8; older kernel lines are "not applicable".
since    6.8
overlay  sun50i-h618-orangepi-zero2w-usb.dtbo

why      expansion-board USB overlay
# The overlay enables EHCI/OHCI 2 and 3 (the expansion board's USB-A ports)...
expect   /soc/usb@5310000 status = "okay"
expect   /soc/usb@5310400 status = "okay"
expect   /soc/usb@5311000 status = "okay"
expect   /soc/usb@5311400 status = "okay"
# ...and powers their VBUS from the 5 V rail, as the board's own USB 1 is.
expect   /soc/phy@5100400 usb1_vbus-supply -> /vcc5v
expect   /soc/phy@5100400 usb2_vbus-supply -> /vcc5v
expect   /soc/phy@5100400 usb3_vbus-supply -> /vcc5v
