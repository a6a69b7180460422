-- SPDX-License-Identifier: GPL-2.0
--
-- TTP for Wireshark and tshark: IP protocol 253, decoded by TCP's dissector,
-- with the checksum checked as TTP computes it.
--
-- TTP's header is laid out exactly as TCP's (module/wire.h), so TCP's
-- dissector decodes flags, sequence numbers (relative ones too), options,
-- ports, streams and analysis.  Only the checksum differs: TTP computes
-- TCP's checksum (RFC 9293 3.1: the one's complement of the one's
-- complement sum of the IPv4 pseudo-header, the header and the data), but
-- puts its own protocol number in the pseudo-header (module/wire.c,
-- ttp_checksum(); the receiver checks it with skb_checksum_validate()).
-- TCP's dissector always puts 6 there, so with tcp.check_checksum on it
-- calls every TTP checksum wrong.  This plugin checks it with the packet's
-- own protocol number and shows the result as ttpip.checksum.status.
--
-- Use: tshark -X lua_script:tools/wireshark/ttp.lua -r FILE, or copy this
-- file to ~/.local/lib/wireshark/plugins/.  For a module loaded with
-- ipproto=254: -d ip.proto==254,ttpip.

-- Wireshark already has a "ttp": IrDA's Tiny TP, with the same long name.
-- Protocol names must be unique, so this one is "ttpip" (TTP over IP) in
-- filters; the Protocol column still says TTP.
local ttp = Proto("ttpip", "TTP over IP (Tiny Transport Protocol)")

-- The values of Wireshark's own checksum status fields (tcp.checksum.status
-- and the like), so that filters read the same: ttpip.checksum.status == 1.
local STATUS_BAD, STATUS_GOOD, STATUS_UNVERIFIED = 0, 1, 2
local status_names = {
	[STATUS_BAD] = "Bad",
	[STATUS_GOOD] = "Good",
	[STATUS_UNVERIFIED] = "Unverified",
}

local f_checksum = ProtoField.uint16("ttpip.checksum", "Checksum", base.HEX)
local f_calculated = ProtoField.uint16("ttpip.checksum_calculated",
	"Calculated Checksum", base.HEX)
local f_status = ProtoField.uint8("ttpip.checksum.status", "Checksum Status",
	base.DEC, status_names)
local f_partial = ProtoField.bool("ttpip.checksum.partial",
	"Checksum left to the device (offload)")
local f_proto = ProtoField.uint8("ttpip.pseudo.proto",
	"Protocol in the pseudo-header", base.DEC)
ttp.fields = { f_checksum, f_calculated, f_status, f_partial, f_proto }

local e_bad = ProtoExpert.new("ttpip.checksum.bad.expert", "Bad checksum",
	expert.group.CHECKSUM, expert.severity.ERROR)
local e_partial = ProtoExpert.new("ttpip.checksum.partial.expert",
	"Checksum not yet computed: captured before the device filled it in "
	.. "(checksum offload, as on lo)",
	expert.group.CHECKSUM, expert.severity.NOTE)
local e_tcp_check = ProtoExpert.new("ttpip.tcp_checksum_ignored.expert",
	"TCP's checksum check (tcp.check_checksum) puts protocol 6 in the "
	.. "pseudo-header and does not apply to TTP: TTP's verdict is above",
	expert.group.CHECKSUM, expert.severity.NOTE)
ttp.experts = { e_bad, e_partial, e_tcp_check }

local tcp = Dissector.get("tcp")

-- Values other layers put in the tree before us.  The last of each is the
-- IP header that carries this segment (an ICMP error holds two headers).
local x_ip_src = Field.new("ip.src")
local x_ip_dst = Field.new("ip.dst")
local x_ip_proto = Field.new("ip.proto")
-- TCP's verdict, read after TCP's dissector has run.
local x_tcp_status = Field.new("tcp.checksum.status")

local function last(extractor)
	local all = { extractor() }
	return all[#all]
end

-- Fold a sum of 16-bit words into 16 bits with end-around carry.  Lua 5.2
-- numbers are doubles: exact up to 2^53, far beyond a 64 KiB segment's sum.
local function fold(sum)
	while sum > 0xffff do
		sum = sum % 0x10000 + math.floor(sum / 0x10000)
	end
	return sum
end

-- The sum of LEN bytes of TVB from 0 as big-endian 16-bit words, an odd
-- last byte padded with zero, as RFC 1071 says.  string.byte() on slices:
-- one call per 1024 bytes, not one per byte.
local function sum_bytes(tvb, len)
	local raw = tvb:raw(0, len)
	local sum = 0
	for i = 1, len, 1024 do
		local b = { raw:byte(i, math.min(i + 1023, len)) }
		for j = 1, #b - 1, 2 do
			sum = sum + b[j] * 256 + b[j + 1]
		end
		if #b % 2 == 1 then
			sum = sum + b[#b] * 256
		end
	end
	return sum
end

-- A 32-bit address as two 16-bit words.
local function sum_addr(fieldinfo)
	local a = fieldinfo.range:uint()
	return math.floor(a / 0x10000) + a % 0x10000
end

-- Check the checksum and put what we found in TREE.  Returns the status.
local function check(tvb, pinfo, tree)
	if tvb:len() < 18 then
		-- not even the checksum field (an ICMP error quotes 8 bytes)
		tree:add(f_status, STATUS_UNVERIFIED):set_generated()
		return STATUS_UNVERIFIED
	end
	local field = tvb(16, 2):uint()
	tree:add(f_checksum, tvb(16, 2))

	local src, dst, proto = last(x_ip_src), last(x_ip_dst), last(x_ip_proto)
	-- The pseudo-header needs the whole segment and the IPv4 header that
	-- carries it: the one whose addresses this packet shows (not an IPv6
	-- one; TTP runs over IPv4 only).
	if tvb:len() < tvb:reported_len() or not src or not dst
	    or not proto or pinfo.src ~= src.value or pinfo.dst ~= dst.value then
		tree:add(f_status, STATUS_UNVERIFIED):set_generated()
		return STATUS_UNVERIFIED
	end

	local len = tvb:len()
	-- source, destination, zero and protocol, length (RFC 9293 3.1)
	local pseudo = sum_addr(src) + sum_addr(dst) + proto.value + len
	tree:add(f_proto, proto.value):set_generated()
	-- With the checksum field in, a correct segment sums to 0xffff.
	local all = fold(pseudo + sum_bytes(tvb, len))
	local calculated = 0xffff - fold(all + 0xffff - field)
	local ti = tree:add(f_calculated, calculated)
	ti:set_generated()

	if all == 0xffff then
		tree:add(f_status, STATUS_GOOD):set_generated()
		return STATUS_GOOD
	end
	-- A segment sent with CHECKSUM_PARTIAL carries only the folded
	-- pseudo-header sum until the device (or the stack, for a device
	-- without checksum offload) completes it.  Captures on lo see it so:
	-- lo passes the segment on as it is, and the receiver trusts it.
	if field == fold(pseudo) then
		tree:add(f_partial, true):set_generated()
		tree:add_proto_expert_info(e_partial)
		tree:add(f_status, STATUS_UNVERIFIED):set_generated()
		return STATUS_UNVERIFIED
	end
	tree:add(f_status, STATUS_BAD):set_generated()
	ti:add_proto_expert_info(e_bad, string.format(
		"Bad checksum [should be 0x%04x]", calculated))
	return STATUS_BAD
end

function ttp.dissector(tvb, pinfo, tree)
	local ti = tree:add(ttp, tvb())
	local status = check(tvb, pinfo, ti)
	local words = {
		[STATUS_BAD] = "incorrect",
		[STATUS_GOOD] = "correct",
		[STATUS_UNVERIFIED] = "unverified",
	}
	ti:append_text(", Checksum: " .. words[status])

	-- TCP decodes the rest; its tree follows ours.  On a malformed segment
	-- Dissector.call() raises a Lua error after TCP's tree has shown the
	-- exception; pcall() keeps it from ending this function too.  (An
	-- exception for data cut short by the capture passes by Lua
	-- altogether, and the lines below do not run.)
	pcall(tcp.call, tcp, tvb, pinfo, tree)
	-- "TTP" where TCP wrote "TCP"; a protocol on top (HTTP over ttp-run,
	-- say) keeps its name there, as it does over TCP.
	if tostring(pinfo.cols.protocol) == "TCP" then
		pinfo.cols.protocol = "TTP"
	end
	if status == STATUS_BAD then
		pinfo.cols.info:prepend("[TTP CHECKSUM INCORRECT] ")
	end

	-- tcp.check_checksum is FALSE by default, and then TCP leaves its
	-- status Unverified.  Whoever turned it on sees TCP call this segment
	-- bad for the wrong reason: say so next to TTP's own verdict.
	local tcp_status = last(x_tcp_status)
	if tcp_status and tcp_status.value == STATUS_BAD then
		ti:add_proto_expert_info(e_tcp_check)
	end
	return tvb:len()
end

DissectorTable.get("ip.proto"):add(253, ttp)
