package diag

// Strict JSON: the files safediff reads (rules, accept files, plans) are
// decoded as strictly as they are checked. encoding/json matches an
// object's keys to a struct's fields without regard to case, folding
// Unicode too ("kindſ" is "kinds", "Kinds" is "kinds"), lets a key appear
// twice (the last wins) and takes a second value after the first. A key
// that is not a field's exact name, a key twice in one object, and text
// after the value are errors here, as an unknown key is.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// DecodeJSON decodes data into v (a pointer), refusing unknown keys: keys
// that are no field's exact name, keys repeated within an object, and
// anything after the value. Errors say "unknown key NAME", "key NAME
// twice", or what encoding/json says (without its "json: " prefix).
func DecodeJSON(data []byte, v any) error {
	if err := CheckJSON(data, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return fmt.Errorf("unknown key %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return err
	}
	return nil
}

// CheckJSON checks the keys of data against type t (of the value it is
// decoded into): a struct's fields by their exact JSON names, a map's keys
// once each, at every depth. Values decoded as json.RawMessage or any are
// checked for repeated keys only.
func CheckJSON(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walk(dec, t); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("text after the JSON value")
	}
	return nil
}

var rawMessage = reflect.TypeOf(json.RawMessage(nil))

func walk(dec *json.Decoder, t reflect.Type) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessage || t != nil && t.Kind() == reflect.Interface {
		t = nil // free-form below: repeated keys only
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = fieldsOf(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k := kt.(string)
			if seen[k] {
				return fmt.Errorf("key %q twice", k)
			}
			seen[k] = true
			var ft reflect.Type
			switch {
			case fields != nil:
				f, ok := fields[k]
				if !ok {
					return fmt.Errorf("unknown key %q", k)
				}
				ft = f
			case t != nil && t.Kind() == reflect.Map:
				ft = t.Elem()
			}
			if err := walk(dec, ft); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for dec.More() {
			if err := walk(dec, et); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return nil
}

// fieldsOf returns the exact JSON names of a struct's fields (those of
// embedded structs included), as encoding/json names them.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && tag == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range fieldsOf(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
