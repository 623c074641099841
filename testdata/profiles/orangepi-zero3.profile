# Regression profile: Orange Pi Zero 3 with its expansion board (two USB-A
# ports and an IR receiver on the 13-pin header). Not shipped: it proves the
# profile format on a second board (fdt/regress_profile.h), with its own
# overlay (orangepi-zero3-expansion.dts beside this file) and expectations.
board    Orange Pi Zero 3
dtb      sun50i-h618-orangepi-zero3.dtb
# The DTS went upstream in 6.6 (absent from Debian's 6.1).
since    6.6
overlay  orangepi-zero3-expansion.dtbo

why      expansion board: USB-A ports
expect   /soc/usb@5310000 status = "okay"
expect   /soc/usb@5310400 status = "okay"
expect   /soc/usb@5311000 status = "okay"
expect   /soc/usb@5311400 status = "okay"
expect   /soc/phy@5100400 usb2_vbus-supply -> /vcc5v
expect   /soc/phy@5100400 usb3_vbus-supply -> /vcc5v
why      expansion board: IR receiver
expect   /soc/ir@7040000 status = "okay"
