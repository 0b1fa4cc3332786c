package letter

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"sync"

	"github.com/jung-kurt/gofpdf"

	"ascolto/data"
)

// picture is an image ready for the PDF library: its bytes, type and aspect ratio.
type picture struct {
	data  []byte
	kind  string // "PNG" or "JPG"
	ratio float64
}

// pictures caches prepared images by their content: the logo and the signature are the
// same on every letter of a batch.
var pictures sync.Map // [32]byte → *picture

// preparePicture makes an uploaded PNG or JPEG drawable. The PDF library takes neither
// 16-bit nor interlaced PNGs, which scanners and image editors produce, so a PNG is
// re-encoded as 8-bit and opaque; a JPEG goes in as it is.
func preparePicture(b []byte) (*picture, error) {
	key := sha256.Sum256(b)
	if p, ok := pictures.Load(key); ok {
		return p.(*picture), nil
	}
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, data.Problemf("letter.err_image", "name", "image")
	}
	bounds := img.Bounds()
	if bounds.Dx() == 0 || bounds.Dy() == 0 {
		return nil, data.Problemf("letter.err_image", "name", "image")
	}
	p := &picture{data: b, kind: "JPG", ratio: float64(bounds.Dx()) / float64(bounds.Dy())}
	if format != "jpeg" {
		// Laid on white, as it is seen on the paper: a picture with transparency
		// would give the PDF a soft mask, which PDF/A letters must not have.
		rgba := image.NewNRGBA(bounds)
		draw.Draw(rgba, bounds, image.White, image.Point{}, draw.Src)
		draw.Draw(rgba, bounds, img, bounds.Min, draw.Over)
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, rgba); err != nil {
			return nil, err
		}
		p.data, p.kind = buf.Bytes(), "PNG"
	} else if _, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil {
		return nil, data.Problemf("letter.err_image", "name", "image")
	}
	pictures.Store(key, p)
	return p, nil
}

// drawPicture places p inside the box (x, y, w, h), as large as fits, centred
// horizontally at cx when cx > 0, else from x.
func drawPicture(pdf *gofpdf.Fpdf, name string, p *picture, x, y, w, h float64, centre bool) (float64, float64) {
	pw, ph := w, w/p.ratio
	if ph > h {
		pw, ph = h*p.ratio, h
	}
	if centre {
		x += (w - pw) / 2
	}
	opt := gofpdf.ImageOptions{ImageType: p.kind}
	pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(p.data))
	pdf.ImageOptions(name, x, y, pw, ph, false, opt, 0, "")
	return pw, ph
}
