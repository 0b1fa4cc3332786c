package pdfa

import (
	"encoding/binary"
	"math"
)

// sRGB is an ICC version 2 display profile for sRGB (IEC 61966-2-1), made here from the
// standard's numbers rather than copied from a file, so that its licence is ours: the
// primaries adapted to the D50 connection space, the D65 media white and the sRGB tone
// curve as a 1024-point table. PDF/A's output intent embeds it; version 2 because
// PDF/A-2 readers must accept it and some older validators refuse version 4.
var sRGB = makeSRGB()

// SRGB returns a copy of the embedded sRGB profile.
func SRGB() []byte { return append([]byte(nil), sRGB...) }

// ICCName is how the output intent names the profile's condition.
const ICCName = "sRGB IEC61966-2.1"

func makeSRGB() []byte {
	type tag struct {
		sig  string
		data []byte
	}
	be := binary.BigEndian
	s15 := func(v float64) []byte {
		b := make([]byte, 4)
		be.PutUint32(b, uint32(int32(math.Round(v*65536))))
		return b
	}
	xyz := func(x, y, z float64) []byte {
		b := append([]byte("XYZ "), 0, 0, 0, 0)
		return append(append(append(b, s15(x)...), s15(y)...), s15(z)...)
	}
	// textDescriptionType: an ASCII description; no Unicode or ScriptCode version
	desc := func(s string) []byte {
		b := append([]byte("desc"), 0, 0, 0, 0)
		b = be.AppendUint32(b, uint32(len(s)+1))
		b = append(append(b, s...), 0)
		b = be.AppendUint32(b, 0) // Unicode language
		b = be.AppendUint32(b, 0) // Unicode count
		b = be.AppendUint16(b, 0) // ScriptCode code
		b = append(b, 0)          // ScriptCode count
		return append(b, make([]byte, 67)...)
	}
	text := func(s string) []byte {
		return append(append(append([]byte("text"), 0, 0, 0, 0), s...), 0)
	}
	curve := append([]byte("curv"), 0, 0, 0, 0)
	const points = 1024
	curve = be.AppendUint32(curve, points)
	for i := 0; i < points; i++ {
		v := float64(i) / (points - 1)
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		curve = be.AppendUint16(curve, uint16(math.Round(v*65535)))
	}
	tags := []tag{
		{"desc", desc(ICCName)},
		{"cprt", text("No copyright, use freely")},
		{"wtpt", xyz(0.9505, 1.0, 1.0890)},
		{"rXYZ", xyz(0.4360747, 0.2225045, 0.0139322)},
		{"gXYZ", xyz(0.3850649, 0.7168786, 0.0971045)},
		{"bXYZ", xyz(0.1430804, 0.0606169, 0.7141733)},
		{"rTRC", curve},
		{"gTRC", nil}, // the same curve, shared
		{"bTRC", nil},
	}
	const header = 128
	table := 4 + 12*len(tags)
	var body []byte
	offsets := make([]int, len(tags))
	sizes := make([]int, len(tags))
	for i, t := range tags {
		if t.data == nil {
			offsets[i], sizes[i] = offsets[i-1], sizes[i-1]
			continue
		}
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		offsets[i], sizes[i] = header+table+len(body), len(t.data)
		body = append(body, t.data...)
	}
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	out := make([]byte, header, header+table+len(body))
	be.PutUint32(out[0:], uint32(header+table+len(body)))
	be.PutUint32(out[8:], 0x02100000) // version 2.1
	copy(out[12:], "mntr")
	copy(out[16:], "RGB ")
	copy(out[20:], "XYZ ")
	for i, v := range []uint16{2026, 1, 1, 0, 0, 0} { // the profile's date, fixed
		be.PutUint16(out[24+2*i:], v)
	}
	copy(out[36:], "acsp")
	be.PutUint32(out[64:], 0) // perceptual
	copy(out[68:], s15(0.9642))
	copy(out[72:], s15(1.0))
	copy(out[76:], s15(0.8249))
	out = be.AppendUint32(out, uint32(len(tags)))
	for i, t := range tags {
		out = append(out, t.sig...)
		out = be.AppendUint32(out, uint32(offsets[i]))
		out = be.AppendUint32(out, uint32(sizes[i]))
	}
	return append(out, body...)
}
