package dev.mediaplane.config;

/** An IPv4 CIDR block. Host bits must be zero, so a typo like 10.0.0.1/24 is caught, not widened. */
public record Cidr(long base, int prefix) {

    private static final Cidr[] PRIVATE = {
        parse("10.0.0.0/8"), parse("172.16.0.0/12"), parse("192.168.0.0/16"), parse("100.64.0.0/10")
    };

    /** Parses {@code a.b.c.d/n}; returns null when malformed or when host bits are set. */
    public static Cidr tryParse(String text) {
        if (text == null) {
            return null;
        }
        String[] parts = text.split("/", -1);
        if (parts.length != 2 || !parts[1].matches("[0-9]{1,2}")) {
            return null;
        }
        int prefix = Integer.parseInt(parts[1]);
        String[] octets = parts[0].split("\\.", -1);
        if (prefix > 32 || octets.length != 4) {
            return null;
        }
        long ip = 0;
        for (String o : octets) {
            if (!o.matches("0|[1-9][0-9]{0,2}")) {
                return null;
            }
            int v = Integer.parseInt(o);
            if (v > 255) {
                return null;
            }
            ip = (ip << 8) | v;
        }
        if ((ip & ~mask(prefix)) != 0) {
            return null;
        }
        return new Cidr(ip, prefix);
    }

    public static Cidr parse(String text) {
        Cidr c = tryParse(text);
        if (c == null) {
            throw new IllegalArgumentException("not an IPv4 CIDR: " + text);
        }
        return c;
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    public long size() {
        return 1L << (32 - prefix);
    }

    public boolean contains(Cidr other) {
        return other.prefix >= prefix && (other.base & mask(prefix)) == base;
    }

    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    /** Inside RFC 1918 or the RFC 6598 shared range. */
    public boolean isPrivate() {
        for (Cidr p : PRIVATE) {
            if (p.contains(this)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code ranges} together hold every IPv4 address. */
    public static boolean coverAll(java.util.Collection<Cidr> ranges) {
        java.util.List<Cidr> sorted = new java.util.ArrayList<>(ranges);
        sorted.sort(java.util.Comparator.comparingLong(Cidr::base));
        long next = 0;
        for (Cidr c : sorted) {
            if (c.base > next) {
                return false;
            }
            next = Math.max(next, c.base + c.size());
        }
        return next >= (1L << 32);
    }

    @Override
    public String toString() {
        return ((base >> 24) & 255) + "." + ((base >> 16) & 255) + "." + ((base >> 8) & 255) + "." + (base & 255) + "/" + prefix;
    }
}
