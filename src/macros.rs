//! The crate's macros, declared before every module that uses them. They
//! turn data into items; none writes a method a reader cannot see in the
//! source (`finals!` writes the two one-line faces of a method whose body
//! is an ordinary `async fn` next to it).

/// The two public faces of a final method (the one that sends): for
/// [`Client`], a `fn` returning the future of the method's one
/// implementation as it is (no `async` layer of its own, which would hold
/// and copy that future once more), and for
/// [`blocking::Client`](crate::blocking::Client) a blocking `fn` that waits
/// for it. The implementation is an ordinary private `async fn` of the
/// `impl<.., H: AnyClient>` block next to it:
///
/// ```ignore
/// finals! {
///     impl<K: BatchKind> SendBatch<K> {
///         /// Check and send the batch.
///         pub fn send(self) -> Result<K::Output> => send_inner;
///     }
/// }
/// ```
macro_rules! finals {
    (impl<$($g:ident: $b:path),*> $ty:ident<$($t:ident),*> { $($body:tt)* }) => {
        $crate::macros::finals!(@each [$($g: $b),*] [$ty] [$($t),*] $($body)*);
    };
    (impl $ty:ident { $($body:tt)* }) => {
        $crate::macros::finals!(@each [] [$ty] [] $($body)*);
    };
    (@each $g:tt $ty:tt $t:tt) => {};
    (@each $g:tt $ty:tt $t:tt
        $(#[$m:meta])*
        pub fn $name:ident($s:ident $(, $arg:ident: $argty:ty)* $(,)?) -> $ret:ty => $inner:ident;
        $($rest:tt)*
    ) => {
        $crate::macros::finals!(
            @emit $g $ty $t [$(#[$m])*] $name $s [$s] [$($arg: $argty),*] $ret, $inner
        );
        $crate::macros::finals!(@each $g $ty $t $($rest)*);
    };
    (@each $g:tt $ty:tt $t:tt
        $(#[$m:meta])*
        pub fn $name:ident(&$s:ident $(, $arg:ident: $argty:ty)* $(,)?) -> $ret:ty => $inner:ident;
        $($rest:tt)*
    ) => {
        $crate::macros::finals!(
            @emit $g $ty $t [$(#[$m])*] $name $s [&$s] [$($arg: $argty),*] $ret, $inner
        );
        $crate::macros::finals!(@each $g $ty $t $($rest)*);
    };
    (@emit [$($g:ident: $b:path),*] [$ty:ident] [$($t:ident),*] [$($m:tt)*] $name:ident $s:ident
        [$($recv:tt)+] [$($arg:ident: $argty:ty),*] $ret:ty, $inner:ident
    ) => {
        impl<$($g: $b),*> $ty<$($t,)* $crate::Client> {
            $($m)*
            pub fn $name(
                $($recv)+, $($arg: $argty),*
            ) -> impl ::std::future::Future<Output = $ret> {
                $s.$inner($($arg),*)
            }
        }

        #[cfg(feature = "blocking")]
        impl<$($g: $b),*> $ty<$($t,)* $crate::blocking::Client> {
            $($m)*
            ///
            /// (Blocking: waits for the answer; see [`crate::blocking`].)
            pub fn $name($($recv)+, $($arg: $argty),*) -> $ret {
                $crate::blocking::block_on($s.$inner($($arg),*))
            }
        }
    };
}

pub(crate) use finals;
